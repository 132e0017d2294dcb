/**
 * The skip path and `validate`, as whole processes on Node.js 24 (the runtime action.yml declares), against
 * `node -e 0` (the floor of any JavaScript action) measured in the same run, interleaved round by round so
 * the noise of a shared machine falls on all three alike; each figure is the median. CPU time (user + system,
 * from separate runs) is shown too: on a busy machine it is the steadier figure. Also what the skip path
 * loads of dist/: every file module the process opened (recorded by a loader hook), against the 1 MB budget.
 *
 * The skip path: `node dist/index.js` for an unchanged one-image spec whose tag is in the testbed's basic-auth
 * registry (pushed beforehand as a one-layer image, so no build is needed to set it up). Needs the testbed
 * (`bash scripts/testbed.sh up`).
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseReference } from '../src/registry/reference.js';
import { basicAuth, pushImage } from '../test/support/registry-upload.js';
import { testbed } from '../test/support/testbed.js';
import type { BenchModule, BenchRow } from './support/measure.js';

const ROUNDS = 15;
const SKIP_BUDGET_MS = 150;
const VALIDATE_BUDGET_MS = 100;
const LOADED_BUDGET = 1_000_000;
// Benchmarks run bundled from a temporary directory; `npm run bench` starts them in the repository.
const root = process.cwd();
const dist = path.join(root, 'dist');

interface Ran {
  seconds: number;
  output: string;
}

function runTimed(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Ran> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, output })
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${output.slice(-2000)}`)),
    );
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * CPU time (user + system) of a command and everything it started, from the shell's `times`: on a busy
 * shared machine wall time includes waiting for a core, CPU time does not.
 */
async function cpuOf(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const ran = await runTimed(
    'bash',
    ['-c', '"$@" > /dev/null 2>&1 || exit 1; times', 'bash', command, ...args],
    env,
    cwd,
  );
  const children = ran.output.trim().split('\n').at(-1) ?? '';
  return [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((n, m) => n + Number(m[1]) * 60 + Number(m[2]), 0);
}
const ms = (s: number): string => `${(s * 1000).toFixed(0)} ms`;

/** The dist/ files a process loads, with their total size. */
async function loadedFromDist(
  node: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ files: string[]; bytes: number }> {
  const list = path.join(cwd, 'loaded.txt');
  await writeFile(list, '');
  const hook = path.join(root, 'bench', 'support', 'loaded-files.mjs');
  await runTimed(node, ['--import', hook, ...args], { ...env, IMAGESPEC_LOADED_FILES: list }, cwd);
  const files = [...new Set(readFileSync(list, 'utf8').split('\n').filter(Boolean))].filter((f) =>
    f.startsWith(`${dist}${path.sep}`),
  );
  if (files.length === 0)
    throw new Error('the loader hook saw no dist/ file (Node.js too old for registerHooks?)');
  return { files, bytes: files.reduce((n, f) => n + statSync(f).size, 0) };
}

const bench: BenchModule = {
  name: 'skip path and validate: whole processes on Node.js 24 against node -e 0',
  async measure() {
    throw new Error('no child measurements');
  },
  async run() {
    const tb = testbed();
    const node = tb.node24;
    const ws = await mkdtemp(path.join(tmpdir(), 'imagespec-bench-skip-'));
    try {
      const repo = `bench-skip-${process.pid}`;
      await writeFile(
        path.join(ws, 'imagespec.yaml'),
        [
          'name: app',
          `registry: ${tb.basic.registry}/${repo}`,
          'base_image: debian:bookworm-slim',
          'packages: [numpy]',
          'commands:',
          `  - echo ${repo} > /bench.txt`,
          '',
        ].join('\n'),
      );
      await writeFile(path.join(ws, 'out'), '');
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DOCKER_CONFIG: path.join(ws, '.docker'),
        GITHUB_WORKSPACE: ws,
        GITHUB_OUTPUT: path.join(ws, 'out'),
        GITHUB_EVENT_NAME: 'push',
        INPUT_SPEC: 'imagespec.yaml',
        INPUT_USERNAME: tb.basic.user,
        INPUT_PASSWORD: tb.basic.password,
        INPUT_CACHE: 'none',
        INPUT_SUMMARY: 'false',
        'INPUT_MOUNT-CACHE': 'false',
      };
      const action = [path.join(dist, 'index.js')];
      const validate = [path.join(dist, 'cli.js'), 'validate', 'imagespec.yaml'];

      // The tag exists: push a one-layer image under it.
      const reference = (
        await runTimed(node, [path.join(dist, 'cli.js'), 'tag', 'imagespec.yaml'], env, ws)
      ).output.trim();
      const ref = parseReference(reference);
      await pushImage(
        { registry: tb.basic.registry, authorization: basicAuth(tb.basic.user, tb.basic.password) },
        ref.path,
        'linux/amd64',
        ref.tag,
      );
      const first = await runTimed(node, action, env, ws);
      if (!/skipping \(exists\)/.test(first.output))
        throw new Error(`the action did not skip:\n${first.output}`);
      const outputs = await readFile(path.join(ws, 'out'), 'utf8');
      if (!/^existed<<(\S+)\ntrue\n\1$/m.test(outputs)) throw new Error(`existed is not true:\n${outputs}`);
      await runTimed(node, validate, env, ws);

      const floor: number[] = [];
      const skip: number[] = [];
      const check: number[] = [];
      const cpu = { floor: [] as number[], skip: [] as number[], check: [] as number[] };
      for (let i = 0; i < ROUNDS; i++) {
        floor.push((await runTimed(node, ['-e', '0'], env, ws)).seconds);
        skip.push((await runTimed(node, action, env, ws)).seconds);
        check.push((await runTimed(node, validate, env, ws)).seconds);
        cpu.floor.push(await cpuOf(node, ['-e', '0'], env, ws));
        cpu.skip.push(await cpuOf(node, action, env, ws));
        cpu.check.push(await cpuOf(node, validate, env, ws));
      }
      const cpuFloor = median(cpu.floor);
      const cpuNote = (xs: number[]): string => `; CPU floor + ${ms(median(xs) - cpuFloor)}`;
      const version = (await runTimed(node, ['--version'], env, ws)).output.trim();
      const f = median(floor);
      const s = median(skip);
      const v = median(check);
      const loaded = await loadedFromDist(node, action, env, ws);
      const loadedValidate = await loadedFromDist(node, validate, env, ws);
      const within = (extra: number, budgetMs: number): string =>
        `floor + ${ms(extra)} (target ≤ floor + ${budgetMs} ms: ${extra * 1000 <= budgetMs ? 'met' : 'MISSED'})`;
      const kb = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
      const rows: BenchRow[] = [
        {
          label: `node -e 0 (floor, Node.js ${version})`,
          seconds: f,
          ratio: 1,
          note: `CPU ${ms(cpuFloor)}`,
        },
        {
          label: 'node dist/index.js, one image, exists (skip path)',
          seconds: s,
          ratio: f / s,
          note: within(s - f, SKIP_BUDGET_MS) + cpuNote(cpu.skip),
        },
        {
          label: 'node dist/cli.js validate, one image',
          seconds: v,
          ratio: f / v,
          note: within(v - f, VALIDATE_BUDGET_MS) + cpuNote(cpu.check),
        },
        {
          label: 'dist/ loaded on the skip path',
          note: `${kb(loaded.bytes)} in ${loaded.files.length} files (target ≤ 1 MB: ${loaded.bytes <= LOADED_BUDGET ? 'met' : 'MISSED'})`,
        },
        {
          label: 'dist/ loaded by validate',
          note: `${kb(loadedValidate.bytes)} in ${loadedValidate.files.length} files`,
        },
      ];
      return rows;
    } finally {
      await rm(ws, { recursive: true, force: true });
    }
  },
};

export default bench;
