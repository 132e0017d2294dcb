import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{RegistryClient,RegistryFailure}from"./chunk-PB3UU2JX.js";import"./chunk-4KNPMWFY.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{RegistryClient,RegistryFailure};
//# sourceMappingURL=client-EHRD55AD.js.map
