/**
 * The skip path: the whole `node dist/index.js` process for an unchanged spec whose image exists, against
 * `node -e 0` (the floor of any JavaScript action) and against a fully cached `docker buildx build` of the same
 * image (what a workflow without the existence check pays on every commit), all in the same run. Needs the
 * testbed (`bash scripts/testbed.sh up`). Each figure is the median of several runs.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testbed } from '../test/support/testbed.js';
import type { BenchModule, BenchRow } from './support/measure.js';

const ROUNDS = 9;
// Benchmarks run bundled from a temporary directory; `npm run bench` starts them in the repository.
const root = process.cwd();

function runTimed(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - start) / 1e9)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${output.slice(-2000)}`)),
    );
  });
}

async function median(times: () => Promise<number>): Promise<number> {
  const all: number[] = [];
  for (let i = 0; i < ROUNDS; i++) all.push(await times());
  all.sort((a, b) => a - b);
  return all[Math.floor(all.length / 2)]!;
}

const bench: BenchModule = {
  name: 'action-skip: unchanged spec whose image exists (whole process)',
  async measure() {
    throw new Error('no child measurements');
  },
  async run() {
    const tb = testbed();
    const ws = await mkdtemp(path.join(tmpdir(), 'imagespec-bench-skip-'));
    try {
      const repo = `bench-skip-${process.pid}`;
      await writeFile(
        path.join(ws, 'imagespec.yaml'),
        [
          'name: app',
          `registry: ${tb.basic.registry}/${repo}`,
          'base_image: debian:bookworm-slim',
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
      const action = path.join(root, 'dist', 'index.js');
      // First run builds and pushes; every measured run after it finds the tag.
      await runTimed(process.execPath, [action], env, ws);
      const dockerfile = path.join(ws, 'Dockerfile');
      const render = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [path.join(root, 'dist', 'cli.js'), 'render', 'imagespec.yaml'],
          {
            cwd: ws,
          },
        );
        let text = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error('render failed'))));
      });
      await writeFile(dockerfile, render);
      const context = await mkdtemp(path.join(tmpdir(), 'imagespec-bench-ctx-'));
      const buildArgs = [
        'buildx',
        'build',
        '--load',
        '--provenance=false',
        '-t',
        `bench-${repo}:cached`,
        '-f',
        dockerfile,
        context,
      ];
      await runTimed('docker', buildArgs, process.env, ws); // warm: every step cached from here on

      const floor = await median(() => runTimed(process.execPath, ['-e', '0'], env, ws));
      const skip = await median(() => runTimed(process.execPath, [action], env, ws));
      const cached = await median(() => runTimed('docker', buildArgs, process.env, ws));
      await rm(context, { recursive: true, force: true });
      await runTimed('docker', ['image', 'rm', '--force', `bench-${repo}:cached`], process.env, ws);
      const rows: BenchRow[] = [
        { label: 'node -e 0 (floor)', seconds: floor, ratio: 1 },
        {
          label: 'node dist/index.js, image exists',
          seconds: skip,
          ratio: floor / skip,
          note: `${(skip / floor).toFixed(1)}x the floor`,
        },
        {
          label: 'docker buildx build, all steps cached',
          seconds: cached,
          ratio: floor / cached,
          note: `skip path takes ${((skip / cached) * 100).toFixed(0)}% of this`,
        },
      ];
      return rows;
    } finally {
      await rm(ws, { recursive: true, force: true });
    }
  },
};

export default bench;
