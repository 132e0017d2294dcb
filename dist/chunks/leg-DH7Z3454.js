import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{runLeg,selectLegImages}from"./chunk-SYWP672G.js";import"./chunk-VQARL34E.js";import"./chunk-QLKR4ENW.js";import"./chunk-W7B6YQUI.js";import"./chunk-ECLMYVGN.js";import"./chunk-BRMJPXO5.js";import"./chunk-PB3UU2JX.js";import"./chunk-4KNPMWFY.js";import"./chunk-WEPES5D6.js";import"./chunk-UJNUNUWF.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{runLeg,selectLegImages};
//# sourceMappingURL=leg-DH7Z3454.js.map
