import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{runLeg,selectLegImages}from"./chunk-3YSOBKHZ.js";import"./chunk-KFPJKFUC.js";import"./chunk-W7B6YQUI.js";import"./chunk-QANO43RZ.js";import"./chunk-ECLMYVGN.js";import"./chunk-GX5YV6YB.js";import"./chunk-WEPES5D6.js";import"./chunk-4KNPMWFY.js";import"./chunk-UJNUNUWF.js";import"./chunk-BRMJPXO5.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{runLeg,selectLegImages};
//# sourceMappingURL=leg-A475IHM3.js.map
