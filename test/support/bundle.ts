/**
 * Bundles the CLI (src/cli.ts) or the action (src/main.ts) from the source under test, with the options
 * scripts/build.mjs uses for dist/ (ESM for Node.js, a `require` for bundled CommonJS dependencies) and the
 * version `test`. Tests run the source as it is now, not the committed dist/ (which is rebuilt separately).
 */
import path from 'node:path';
import { build } from 'esbuild';
import { run, type RunOptions, type RunResult } from './testbed.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRIES = { cli: 'src/cli.ts', action: 'src/main.ts' } as const;

/** Writes `<dir>/<entry>.mjs` and returns its path; `dir` is the caller's to remove. */
export async function bundle(entry: keyof typeof ENTRIES, dir: string): Promise<string> {
  const outfile = path.join(dir, `${entry}.mjs`);
  await build({
    entryPoints: [path.join(ROOT, ENTRIES[entry])],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
    define: { __IMAGESPEC_VERSION__: '"test"' },
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return outfile;
}

/** Runs a bundled CLI (from {@link bundle}) with this Node.js; never throws for a non-zero exit. */
export function runCli(cli: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [cli, ...args], opts);
}
