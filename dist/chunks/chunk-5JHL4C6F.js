import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
import{__commonJS,__require}from"./chunk-D2P7VZKS.js";var require_node_https=__commonJS({"imagespec-builtin:node:https"(exports,module){module.exports=__require("node:https")}});export{require_node_https};
//# sourceMappingURL=chunk-5JHL4C6F.js.map
