import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{platformDigests,runMerge}from"./chunk-BNV26A5C.js";import"./chunk-7Y5ZIV22.js";import"./chunk-ECLMYVGN.js";import"./chunk-LUJU6SEX.js";import"./chunk-4KNPMWFY.js";import"./chunk-BRMJPXO5.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{platformDigests,runMerge};
//# sourceMappingURL=merge-EXQ62J5L.js.map
