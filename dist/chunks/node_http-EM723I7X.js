import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{require_node_http}from"./chunk-CV5PLSBN.js";import"./chunk-D2P7VZKS.js";export default require_node_http();
//# sourceMappingURL=node_http-EM723I7X.js.map
