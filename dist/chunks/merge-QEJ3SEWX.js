import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{platformDigests,runMerge}from"./chunk-BA4Z6HJD.js";import"./chunk-WLGNUEAO.js";import"./chunk-QLKR4ENW.js";import"./chunk-W7B6YQUI.js";import"./chunk-ECLMYVGN.js";import"./chunk-BRMJPXO5.js";import"./chunk-PB3UU2JX.js";import"./chunk-4KNPMWFY.js";import"./chunk-WEPES5D6.js";import"./chunk-UJNUNUWF.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{platformDigests,runMerge};
//# sourceMappingURL=merge-QEJ3SEWX.js.map
