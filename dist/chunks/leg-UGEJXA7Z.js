import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{runLeg,selectLegImages}from"./chunk-3D73X3OP.js";import"./chunk-7Y5ZIV22.js";import"./chunk-ECLMYVGN.js";import"./chunk-LUJU6SEX.js";import"./chunk-4KNPMWFY.js";import"./chunk-BRMJPXO5.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{runLeg,selectLegImages};
//# sourceMappingURL=leg-UGEJXA7Z.js.map
