import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{loadBuildkitdConfig,registryHost}from"./chunk-QLXHH4ZN.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{loadBuildkitdConfig,registryHost};
//# sourceMappingURL=config-4VSCJTVY.js.map
