// `npm run bench`: runs every benchmark module in bench/ (files named *.bench.ts), each in its own process.
//
// A benchmark module default-exports `{ name, run(ctx) }`. `run` measures the product against a baseline
// measured in the same run on the same machine and returns rows of { label, seconds, ratio, peakRssMiB, note }.
// Ratios against a baseline, not absolute times, are what to compare between machines. Add a benchmark by
// adding a module; nothing here needs to change.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);
const modules = (await readdir(path.join(root, 'bench')))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const out = await mkdtemp(path.join(tmpdir(), 'imagespec-bench-'));
let failed = false;
try {
  for (const file of modules) {
    const bundle = path.join(out, file.replace(/\.ts$/, '.mjs'));
    await build({
      entryPoints: [path.join(root, 'bench', file)],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'warning',
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
    const runner = path.join(root, 'bench', 'support', 'run-module.mjs');
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, [runner, bundle], { stdio: 'inherit' });
      child.on('close', resolve);
    });
    if (code !== 0) {
      failed = true;
      process.stderr.write(`bench: ${file} failed (exit ${code})\n`);
    }
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
