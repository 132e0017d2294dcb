import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{require_node_https}from"./chunk-5JHL4C6F.js";import"./chunk-D2P7VZKS.js";export default require_node_https();
//# sourceMappingURL=node_https-2HSV672Q.js.map
