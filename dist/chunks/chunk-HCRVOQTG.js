import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);
var UserError=class extends Error{constructor(message,diagnostics=[]){super(message);this.diagnostics=diagnostics;this.name="UserError"}diagnostics};function formatDiagnostic(d){return`${d.file}:${d.line}:${d.col}: error: ${d.message}`}function errorMessage(err){return err instanceof Error?err.message:String(err)}export{UserError,formatDiagnostic,errorMessage};
//# sourceMappingURL=chunk-HCRVOQTG.js.map
