import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{mountCacheKey,mountsRan,restoreMountCaches,saveMountCaches,treeSize}from"./chunk-IZYIFPHK.js";import{formatBytes,parseSize}from"./chunk-NJGIN5WW.js";import"./chunk-55KISGC5.js";import"./chunk-BRMJPXO5.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{formatBytes,mountCacheKey,mountsRan,parseSize,restoreMountCaches,saveMountCaches,treeSize};
//# sourceMappingURL=mount-cache-LT4ZNXZT.js.map
