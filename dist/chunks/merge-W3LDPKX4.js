import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{platformDigests,runMerge}from"./chunk-UIY4ACUK.js";import"./chunk-GKXAGZHA.js";import"./chunk-4SP2UEZD.js";import"./chunk-PGHYEXKT.js";import"./chunk-ECLMYVGN.js";import"./chunk-BRMJPXO5.js";import"./chunk-CSTO7NUN.js";import"./chunk-67K74I5P.js";import"./chunk-RBLUZWEF.js";import"./chunk-UJNUNUWF.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{platformDigests,runMerge};
//# sourceMappingURL=merge-W3LDPKX4.js.map
