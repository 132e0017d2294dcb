/**
 * The distributed plan of a simulated monorepo: `imagespec plan --matrix` (the committed dist/cli.js on Node.js 24)
 * of 100 images in three dependency layers, each for linux/amd64 and linux/arm64, against the testbed's basic-auth
 * registry on loopback: hash every image, one existence check per content tag, and the leg checks of missing
 * images whose parent exists. A third of each layer's tags exist (pushed beforehand as two-platform indexes).
 * Median of several runs, against the 1.5 s target and against `node -e 0` measured in the same run. Needs the
 * testbed (`bash scripts/testbed.sh up`).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseReference } from '../src/registry/reference.js';
import { writeMonorepo } from '../test/support/monorepo.js';
import { basicAuth, pushIndex } from '../test/support/registry-upload.js';
import { testbed } from '../test/support/testbed.js';
import type { BenchModule, BenchRow } from './support/measure.js';

const ROUNDS = 7;
const TARGET_SECONDS = 1.5;
const root = process.cwd();

function runTimed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ seconds: number; stdout: string }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, stdout })
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr.slice(-2000)}`)),
    );
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bench: BenchModule = {
  name: 'plan --matrix: 100 images in 3 layers × 2 platforms, dist/cli.js on Node.js 24',
  async measure() {
    throw new Error('no child measurements');
  },
  async run() {
    const tb = testbed();
    const node = tb.node24;
    const ws = await mkdtemp(path.join(tmpdir(), 'imagespec-bench-matrix-'));
    try {
      const repo = await writeMonorepo(ws, `${tb.basic.registry}/bench-matrix-${process.pid}`);
      const docker = path.join(ws, 'docker');
      await mkdir(docker);
      const auth = Buffer.from(`${tb.basic.user}:${tb.basic.password}`).toString('base64');
      await writeFile(
        path.join(docker, 'config.json'),
        JSON.stringify({ auths: { [tb.basic.registry]: { auth } } }),
      );
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_CONFIG: docker };
      const cli = path.join(root, 'dist', 'cli.js');
      const refs = (await runTimed(node, [cli, 'tag', repo.file], env, ws)).stdout.trim().split('\n');
      const ids = repo.layers.flat();
      const present = new Set(repo.layers.flatMap((layer) => layer.filter((_, i) => i % 3 === 0)));
      const target = {
        registry: tb.basic.registry,
        authorization: basicAuth(tb.basic.user, tb.basic.password),
      };
      for (const [i, r] of refs.entries()) {
        if (!present.has(ids[i]!)) continue;
        const ref = parseReference(r);
        await pushIndex(target, ref.path, ref.tag!, repo.platforms);
      }
      const args = [cli, 'plan', '--matrix', '--max-layers', '4', repo.file];
      const check = (stdout: string): number => {
        const plan = JSON.parse(stdout) as { legs: number; merge: string[][] };
        const missing = ids.length - present.size;
        if (plan.legs !== missing * 2 || plan.merge.flat().length !== missing) {
          throw new Error(`unexpected plan: ${plan.legs} legs, ${plan.merge.flat().length} to merge`);
        }
        return plan.legs;
      };
      const legs = check((await runTimed(node, args, env, ws)).stdout);
      const floor: number[] = [];
      const plan: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        floor.push((await runTimed(node, ['-e', '0'], env, ws)).seconds);
        const r = await runTimed(node, args, env, ws);
        check(r.stdout);
        plan.push(r.seconds);
      }
      const f = median(floor);
      const p = median(plan);
      const rows: BenchRow[] = [
        { label: 'node -e 0 (floor)', seconds: f, ratio: 1 },
        {
          label: `imagespec plan --matrix, 100 images (${present.size} exist), 3 layers, 2 platforms`,
          seconds: p,
          ratio: f / p,
          note: `target ≤ ${TARGET_SECONDS} s: ${p <= TARGET_SECONDS ? 'met' : 'MISSED'}; ${legs} legs planned`,
        },
      ];
      return rows;
    } finally {
      await rm(ws, { recursive: true, force: true });
    }
  },
};

export default bench;
