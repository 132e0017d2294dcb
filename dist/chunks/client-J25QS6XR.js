import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{RegistryClient,RegistryFailure,caAdvice}from"./chunk-CSTO7NUN.js";import"./chunk-67K74I5P.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{RegistryClient,RegistryFailure,caAdvice};
//# sourceMappingURL=client-J25QS6XR.js.map
