import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{stagingReference,writeContentTag}from"./chunk-H4KVY37Z.js";import"./chunk-EQMODHII.js";import"./chunk-55KISGC5.js";import"./chunk-4SP2UEZD.js";import"./chunk-BRMJPXO5.js";import"./chunk-CSTO7NUN.js";import"./chunk-67K74I5P.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{stagingReference,writeContentTag};
//# sourceMappingURL=content-tag-OZTOCEJD.js.map
