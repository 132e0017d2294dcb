import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{runLeg,selectLegImages}from"./chunk-7BATVUFD.js";import"./chunk-B44VDM2X.js";import"./chunk-W7B6YQUI.js";import"./chunk-QANO43RZ.js";import"./chunk-ECLMYVGN.js";import"./chunk-GX5YV6YB.js";import"./chunk-B6VCQVFA.js";import"./chunk-4KNPMWFY.js";import"./chunk-BRMJPXO5.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{runLeg,selectLegImages};
//# sourceMappingURL=leg-YKR72ANN.js.map
