#!/usr/bin/env node
import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);

// src/commands/index.ts
var COMMANDS = [];

// src/errors.ts
var UserError = class extends Error {
  constructor(message, diagnostics = []) {
    super(message);
    this.diagnostics = diagnostics;
    this.name = "UserError";
  }
  diagnostics;
};
function formatDiagnostic(d) {
  return `${d.file}:${d.line}:${d.col}: error: ${d.message}`;
}
function errorMessage(err) {
  if (err instanceof Error) return err.message;
  return String(err);
}

// src/version.ts
var VERSION = true ? "0.1.0" : "0.0.0-dev";

// src/cli.ts
function help() {
  const width = Math.max(8, ...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: imagespec COMMAND [OPTIONS] [SPEC]",
    "",
    "Build container images from an ImageSpec YAML file.",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    "  --help     show help (also after a command)",
    "  --version  print the version",
    ""
  ].join("\n");
}
async function main(argv) {
  const [first, ...rest] = argv;
  if (first === void 0 || first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(help());
    return first === void 0 ? 2 : 0;
  }
  if (first === "--version" || first === "-V") {
    process.stdout.write(`${VERSION}
`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    process.stderr.write(`imagespec: unknown command '${first}'. Run 'imagespec --help' for the list.
`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.usage}
`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UserError) {
      for (const d of err.diagnostics) process.stderr.write(`${formatDiagnostic(d)}
`);
      if (err.diagnostics.length === 0 || err.message) process.stderr.write(`imagespec: ${err.message}
`);
      return 1;
    }
    process.stderr.write(`imagespec: ${errorMessage(err)}
`);
    return 1;
  }
}
process.exitCode = await main(process.argv.slice(2));
export {
  main
};
