import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{platformDigests,runMerge}from"./chunk-MPH3X2AT.js";import"./chunk-AHYBC4VO.js";import"./chunk-W7B6YQUI.js";import"./chunk-QANO43RZ.js";import"./chunk-ECLMYVGN.js";import"./chunk-GX5YV6YB.js";import"./chunk-CHJZPFPE.js";import"./chunk-4KNPMWFY.js";import"./chunk-BRMJPXO5.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{platformDigests,runMerge};
//# sourceMappingURL=merge-3VQYS6RL.js.map
