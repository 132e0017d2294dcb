#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './commands/index.js';
import { UserError, errorMessage, formatDiagnostic } from './errors.js';
import { VERSION } from './version.js';

function help(): string {
  const width = Math.max(8, ...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: imagespec COMMAND [OPTIONS] [SPEC]',
    '',
    'Build container images from an ImageSpec YAML file.',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  --help     show help (also after a command)',
    '  --version  print the version',
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(help());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    process.stderr.write(`imagespec: unknown command '${first}'. Run 'imagespec --help' for the list.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UserError) {
      for (const d of err.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      if (err.diagnostics.length === 0 || err.message) process.stderr.write(`imagespec: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`imagespec: ${errorMessage(err)}\n`);
    return 1;
  }
}

/** True when this module is the program being run (not imported, e.g. by tests). */
function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = await main(process.argv.slice(2));
