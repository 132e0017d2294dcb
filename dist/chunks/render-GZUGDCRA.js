import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{ALL_CACHE_MOUNTS,BASE_IMAGE_ARG,CACHE_MOUNTS,DEFAULT_MICROMAMBA_IMAGE,DEFAULT_UV_IMAGE,SPEC_HASH_LABEL,listTree,renderBuild,sourceFromEnv}from"./chunk-4Z6ASLSM.js";import"./chunk-B6VCQVFA.js";import"./chunk-HCRVOQTG.js";import"./chunk-D2P7VZKS.js";export{ALL_CACHE_MOUNTS,BASE_IMAGE_ARG,CACHE_MOUNTS,DEFAULT_MICROMAMBA_IMAGE,DEFAULT_UV_IMAGE,SPEC_HASH_LABEL,listTree,renderBuild,sourceFromEnv};
//# sourceMappingURL=render-GZUGDCRA.js.map
