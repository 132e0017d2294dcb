/**
 * A 100-image plan: `imagespec plan` (the committed dist/cli.js on Node.js 24) of a generated spec file with 100
 * images, each copying its own small directory, against the testbed's basic-auth registry on loopback: load and
 * validate, hash every image (files included), and one existence check per image. Half the tags exist
 * (pushed beforehand as one-layer images), half are missing. Median of several runs, against the 1.5 s target
 * and against `node -e 0` measured in the same run. Needs the testbed (`bash scripts/testbed.sh up`).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseReference } from '../src/registry/reference.js';
import { basicAuth, pushImage } from '../test/support/registry-upload.js';
import { testbed } from '../test/support/testbed.js';
import { basicRegistryEnv, runTimed, timeAgainstFloor } from './support/cli-bench.js';
import type { BenchModule } from './support/measure.js';

const IMAGES = 100;
const FILES_PER_IMAGE = 20;
const ROUNDS = 7;
const TARGET_SECONDS = 1.5;
const root = process.cwd();

const bench: BenchModule = {
  name: `plan: ${IMAGES} images (hashing + ${IMAGES} registry checks on loopback), dist/cli.js on Node.js 24`,
  async measure() {
    throw new Error('no child measurements');
  },
  async run() {
    const tb = testbed();
    const node = tb.node24;
    const ws = await mkdtemp(path.join(tmpdir(), 'imagespec-bench-plan-'));
    try {
      const repo = `bench-plan-${process.pid}`;
      const lines = ['images:'];
      for (let i = 0; i < IMAGES; i++) {
        const id = `img${String(i).padStart(3, '0')}`;
        const dir = path.join(ws, 'src', id);
        await mkdir(dir, { recursive: true });
        for (let f = 0; f < FILES_PER_IMAGE; f++) {
          await writeFile(path.join(dir, `m${f}.py`), `# ${id} module ${f}\n${'x = 1\n'.repeat(50 + f)}`);
        }
        lines.push(
          `  ${id}:`,
          `    registry: ${tb.basic.registry}/${repo}`,
          '    base_image: debian:bookworm-slim',
          `    packages: [numpy, "pandas==2.${i % 3}.*"]`,
          `    copy: [src/${id}]`,
          '    commands:',
          `      - echo ${id} > /id.txt`,
        );
      }
      await writeFile(path.join(ws, 'spec.yaml'), `${lines.join('\n')}\n`);
      const env = await basicRegistryEnv(tb, ws);
      const cli = path.join(root, 'dist', 'cli.js');

      const refs = (await runTimed(node, [cli, 'tag', 'spec.yaml'], env, ws)).stdout.trim().split('\n');
      if (refs.length !== IMAGES) throw new Error(`expected ${IMAGES} tags, got ${refs.length}`);
      const target = {
        registry: tb.basic.registry,
        authorization: basicAuth(tb.basic.user, tb.basic.password),
      };
      for (const r of refs.filter((_, i) => i % 2 === 0)) {
        const ref = parseReference(r);
        await pushImage(target, ref.path, 'linux/amd64', ref.tag);
      }

      return await timeAgainstFloor({
        node,
        args: [cli, 'plan', 'spec.yaml'],
        env,
        cwd: ws,
        rounds: ROUNDS,
        label: `imagespec plan, ${IMAGES} images (${IMAGES / 2} exist, ${IMAGES / 2} missing)`,
        targetSeconds: TARGET_SECONDS,
        check(stdout) {
          const plan = JSON.parse(stdout) as Array<{ existence: string }>;
          const exists = plan.filter((p) => p.existence === 'exists').length;
          const missing = plan.filter((p) => p.existence === 'missing').length;
          if (plan.length !== IMAGES || exists !== IMAGES / 2 || missing !== IMAGES / 2) {
            throw new Error(`unexpected plan: ${plan.length} images, ${exists} exist, ${missing} missing`);
          }
          return `${IMAGES * FILES_PER_IMAGE} files hashed`;
        },
      });
    } finally {
      await rm(ws, { recursive: true, force: true });
    }
  },
};

export default bench;
