/**
 * The distributed plan of a simulated monorepo: `imagespec plan --matrix` (the committed dist/cli.js on Node.js 24)
 * of 100 images in three dependency layers, each for linux/amd64 and linux/arm64, against the testbed's basic-auth
 * registry on loopback: hash every image, one existence check per content tag, and the leg checks of missing
 * images whose parent exists. A third of each layer's tags exist (pushed beforehand as two-platform indexes).
 * Median of several runs, against the 1.5 s target and against `node -e 0` measured in the same run. Needs the
 * testbed (`bash scripts/testbed.sh up`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseReference } from '../src/registry/reference.js';
import { writeMonorepo } from '../test/support/monorepo.js';
import { basicAuth, pushIndex } from '../test/support/registry-upload.js';
import { testbed } from '../test/support/testbed.js';
import { basicRegistryEnv, runTimed, timeAgainstFloor } from './support/cli-bench.js';
import type { BenchModule } from './support/measure.js';

const ROUNDS = 7;
const TARGET_SECONDS = 1.5;
const root = process.cwd();

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
      const env = await basicRegistryEnv(tb, ws);
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
      const missing = ids.length - present.size;
      return await timeAgainstFloor({
        node,
        args: [cli, 'plan', '--matrix', '--max-layers', '4', repo.file],
        env,
        cwd: ws,
        rounds: ROUNDS,
        label: `imagespec plan --matrix, 100 images (${present.size} exist), 3 layers, 2 platforms`,
        targetSeconds: TARGET_SECONDS,
        check(stdout) {
          const plan = JSON.parse(stdout) as { legs: number; merge: string[][] };
          if (plan.legs !== missing * 2 || plan.merge.flat().length !== missing) {
            throw new Error(`unexpected plan: ${plan.legs} legs, ${plan.merge.flat().length} to merge`);
          }
          return `${plan.legs} legs planned`;
        },
      });
    } finally {
      await rm(ws, { recursive: true, force: true });
    }
  },
};

export default bench;
