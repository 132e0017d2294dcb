import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{__commonJS,__require}from"./chunk-D2P7VZKS.js";var require_node_http=__commonJS({"imagespec-builtin:node:http"(exports,module){module.exports=__require("node:http")}});export{require_node_http};
//# sourceMappingURL=chunk-CV5PLSBN.js.map
