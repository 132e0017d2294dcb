/**
 * "Why was it rebuilt?" end to end: the committed action bundle builds an image on the testbed (real engine,
 * real buildx, the basic-auth registry, pip from the loopback index), keeps its explain record in the image
 * and in the cache service double (v2, as github.com serves it); after one package and one requirements line
 * change, the rebuild's summary and `changes` output name exactly those two fields, and
 * `imagespec explain --against` reads the same two from the first image in the registry.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_LABEL } from '../../src/hash/record.js';
import { dockerConfigWith, runActionBundle } from '../support/action-runner.js';
import { pruneBuildRecords, removeImages, requireTestbed, run, type Testbed } from '../support/testbed.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'dist/cli.js');
const marker = `changes-e2e-${randomBytes(4).toString('hex')}`;
let tb: Testbed;
let root: string;
let ws: string;
let dockerConfig: string;
const createdRefs: string[] = [];

function spec(pkg: string): string {
  return [
    'name: app',
    `registry: ${tb.basic.registry}/${marker}`,
    `base_image: ${tb.mirror}/testbed/debian-python3:bookworm`,
    'python_installer: pip',
    `packages: ["${pkg}"]`,
    'requirements: requirements.txt',
    `pip_index: ${tb.index.url}`,
    'builder_options: {network: host}',
    `env: {RUN_MARKER: ${marker}}`,
    '',
  ].join('\n');
}

const runAction = () =>
  runActionBundle(tb, {
    workspace: ws,
    root,
    // Attestations need the containerd image store; the feature under test does not depend on them.
    inputs: { cache: 'none', provenance: 'false', username: tb.basic.user, password: tb.basic.password },
    env: { DOCKER_CONFIG: dockerConfig, GITHUB_REF_NAME: `main-${marker}` },
  });

const imagespec = (...args: string[]) =>
  run(tb.node24, [cli, ...args], {
    cwd: ws,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_CONFIG: dockerConfig },
  });

/** The lines of the summary's "Why … was rebuilt" section. */
function whySection(summary: string): string[] {
  const m = /### Why `app` was rebuilt\n\n([\s\S]*?)\n\n/.exec(summary);
  return m ? m[1]!.split('\n') : [];
}

beforeAll(async () => {
  tb = await requireTestbed();
  root = await mkdtemp(path.join(tmpdir(), 'imagespec-changes-e2e-'));
  ws = path.join(root, 'ws');
  dockerConfig = path.join(root, 'docker-config');
  await mkdir(ws);
  await mkdir(dockerConfig);
  await dockerConfigWith(dockerConfig, { [tb.basic.registry]: tb.basic });
});

afterAll(async () => {
  await removeImages(createdRefs);
  await pruneBuildRecords(marker);
  await rm(root, { recursive: true, force: true });
});

describe('why an image was rebuilt', () => {
  let first: Awaited<ReturnType<typeof runAction>>;

  it('a first build says so, and the image carries its explain record', async () => {
    await writeFile(path.join(ws, 'requirements.txt'), 'tb-math>=0.1\n');
    await writeFile(path.join(ws, 'imagespec.yaml'), spec('tb-hello==1.0.0'));
    first = await runAction();
    expect(first.code, first.log).toBe(0);
    createdRefs.push(first.outputs.image!);
    expect(first.outputs.built).toBe('true');
    expect(first.outputs.changes).toBe('null');
    expect(whySection(first.summary)).toEqual([
      'first build: no record of an earlier build of this image on this branch',
    ]);
    const labels = await run(
      'docker',
      ['buildx', 'imagetools', 'inspect', '--format', '{{json .Image}}', first.outputs.image!],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_CONFIG: dockerConfig },
      },
    );
    expect(labels.stdout).toContain(RECORD_LABEL);
  }, 600_000);

  it('after one package and one requirements line change: exactly those two, in the summary, the output and explain --against', async () => {
    await writeFile(path.join(ws, 'requirements.txt'), 'tb-math>=0.2\n');
    await writeFile(path.join(ws, 'imagespec.yaml'), spec('tb-hello==1.1.0'));
    const second = await runAction();
    expect(second.code, second.log).toBe(0);
    createdRefs.push(second.outputs.image!);
    expect(second.outputs.image).not.toBe(first.outputs.image);

    expect(whySection(second.summary)).toEqual([
      '- `packages`: + tb-hello==1.1.0, − tb-hello==1.0.0',
      '- `requirements`: content changed',
    ]);
    expect(second.log).toContain('changed since the last build on this branch: packages, requirements');
    const changes = JSON.parse(second.outputs.changes!) as Array<{
      field: string;
      before: unknown;
      after: unknown;
    }>;
    expect(changes.map((c) => c.field)).toEqual(['packages', 'requirements']);
    expect(changes[0]).toEqual({
      field: 'packages',
      before: ['tb-hello==1.0.0'],
      after: ['tb-hello==1.1.0'],
    });
    expect(changes[1]!.before).toMatch(/^[0-9a-f]{40}$/);
    expect(changes[1]!.after).toMatch(/^[0-9a-f]{40}$/);
    expect(changes[1]!.before).not.toEqual(changes[1]!.after);

    const text = await imagespec('explain', '--against', first.outputs.image!, 'imagespec.yaml');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual([
      `app: ${first.outputs.image} → ${second.outputs.image}`,
      '  packages: + tb-hello==1.1.0, − tb-hello==1.0.0',
      '  requirements: content changed',
    ]);
    const json = await imagespec('explain', '--against', first.outputs.image!, '--json', 'imagespec.yaml');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(changes);

    const same = await imagespec('explain', '--against', second.outputs.image!, 'imagespec.yaml');
    expect(same.stdout).toContain('no differences in the hash inputs');
  }, 600_000);

  it('explain --against an image without a record says first build', async () => {
    const out = await imagespec(
      'explain',
      '--against',
      `${tb.mirror}/testbed/debian-python3:bookworm`,
      'imagespec.yaml',
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('app: first build:');
    const json = await imagespec(
      'explain',
      '--against',
      `${tb.mirror}/testbed/debian-python3:bookworm`,
      '--json',
      'imagespec.yaml',
    );
    expect(json.stdout.trim()).toBe('null');
    const missing = await imagespec(
      'explain',
      '--against',
      `${tb.basic.registry}/${marker}/nothing:here`,
      'imagespec.yaml',
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('was not found');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
