/**
 * `builder: noop` end to end with the action bundle on the testbed: a two-image file whose base is a noop image
 * (an image already in the mirror registry) and whose app is built on it. The noop image is not built or pushed;
 * its outputs name it with the registry's digest; the app is built FROM it and pushed. A noop image that does
 * not exist is a warning, not a failure, and `require-public` still applies to it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerConfigWith, runActionBundle } from '../support/action-runner.js';
import {
  headManifest,
  pruneBuildRecords,
  removeImages,
  requireTestbed,
  run,
  type Testbed,
} from '../support/testbed.js';

const marker = `noop-e2e-${randomBytes(4).toString('hex')}`;
let tb: Testbed;
let root: string;
let dockerConfig: string;
const createdRefs: string[] = [];

async function workspace(spec: string): Promise<string> {
  const ws = await mkdtemp(path.join(root, 'ws-'));
  await writeFile(path.join(ws, 'imagespec.yaml'), spec);
  return ws;
}

const action = (ws: string, inputs: Record<string, string> = {}) =>
  runActionBundle(tb, {
    workspace: ws,
    root,
    inputs: {
      cache: 'none',
      provenance: 'false',
      username: tb.basic.user,
      password: tb.basic.password,
      ...inputs,
    },
    env: { DOCKER_CONFIG: dockerConfig, GITHUB_REF_NAME: marker },
  });

beforeAll(async () => {
  tb = await requireTestbed();
  root = await mkdtemp(path.join(tmpdir(), 'imagespec-noop-e2e-'));
  dockerConfig = path.join(root, 'docker-config');
  await mkdir(dockerConfig);
  await dockerConfigWith(dockerConfig, { [tb.basic.registry]: tb.basic });
});

afterAll(async () => {
  await removeImages(createdRefs);
  await pruneBuildRecords(marker);
  await rm(root, { recursive: true, force: true });
});

describe('builder: noop', () => {
  it('a noop image is reported as it is, and a child is built FROM it and pushed', async () => {
    const base = `${tb.mirror}/testbed/debian-python3:bookworm`;
    const ws = await workspace(
      [
        'images:',
        '  base:',
        '    builder: noop',
        `    base_image: "${base}"`,
        '  app:',
        '    base_image: base',
        `    registry: ${tb.basic.registry}/${marker}`,
        `    commands: ["python3 -c 'import sys; print(sys.version_info[0])' > /py-major"]`,
        `    env: {RUN_MARKER: ${marker}}`,
        '',
      ].join('\n'),
    );
    const res = await action(ws);
    expect(res.code, res.log).toBe(0);
    const images = JSON.parse(res.outputs.images!) as Array<Record<string, string>>;
    const [noop, app] = images;
    createdRefs.push(app!.image!);

    const head = await headManifest(tb.mirror, 'testbed/debian-python3', 'bookworm');
    expect(noop).toMatchObject({
      id: 'base',
      image: base,
      tag: 'bookworm',
      digest: head.headers.get('docker-content-digest'),
      built: 'false',
      existed: 'true',
    });
    expect(res.log).not.toMatch(/--tag [^ ]*debian-python3/); // never built or pushed
    expect(res.summary).toContain('builder: noop: the image is used as it is');

    expect(app).toMatchObject({ id: 'app', built: 'true', existed: 'false' });
    // The child's first build step is FROM the noop image.
    expect(res.log).toContain(`1/2] FROM ${base}@sha256:`);
    const out = await run('docker', ['run', '--rm', app!.image!, 'cat', '/py-major'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_CONFIG: dockerConfig },
    });
    expect(out.stdout.trim()).toBe('3');
  }, 600_000);

  it('a noop image that is not there is a warning; require-public fails for it', async () => {
    const missing = `${tb.basic.registry}/${marker}/absent:1.0`;
    const ws = await workspace(`name: app\nbuilder: noop\nbase_image: "${missing}"\n`);
    const res = await action(ws);
    expect(res.code, res.log).toBe(0);
    expect(res.outputs.image).toBe(missing);
    expect(res.outputs.existed).toBe('false');
    expect(res.outputs.built).toBe('false');
    expect(res.log).toContain(`${missing} (builder: noop) is not in its registry`);
    const strict = await action(ws, { 'require-public': 'true' });
    expect(strict.code).not.toBe(0);
    expect(strict.log).toContain(missing);
    expect(strict.log).toMatch(/public/);
  }, 300_000);
});
