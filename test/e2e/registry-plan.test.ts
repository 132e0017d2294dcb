/**
 * `imagespec plan` end to end: the bundled CLI hashes a spec, asks the testbed's registries, and prints
 * JSON in build order; credentials come from a Docker config file named by DOCKER_CONFIG.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../../src/registry/reference.js';
import { bundle, runCli } from '../support/bundle.js';
import { basicAuth, pushImage } from '../support/registry-upload.js';
import { testbed, dockerConfigWithLogin } from '../support/testbed.js';

const tb = testbed();
const { registry: BASIC, user: USER, password: PASSWORD } = tb.basic;
const run = randomUUID().slice(0, 8);
let work: string;
let cli: string;
let env: NodeJS.ProcessEnv;

const imagespec = (...args: string[]) => runCli(cli, args, { cwd: work, env });

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'imagespec-plan-'));
  cli = await bundle('cli', work);
  env = { ...process.env, DOCKER_CONFIG: await dockerConfigWithLogin(work) };
  await writeFile(
    path.join(work, 'spec.yaml'),
    [
      'images:',
      '  app:',
      '    base_image: base',
      '    packages: [fastapi]',
      `    registry: ${BASIC}/imagespec-e2e-plan-${run}`,
      '  base:',
      '    python_version: "3.12"',
      `    registry: ${BASIC}/imagespec-e2e-plan-${run}`,
      '  secret:',
      '    packages: [numpy]',
      `    registry: ${tb.token.registry}/imagespec-e2e-plan-${run}`,
      '',
    ].join('\n'),
  );
  await writeFile(path.join(work, 'broken.yaml'), 'images:\n  app:\n    packages: 3\n');
}, 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('imagespec plan', () => {
  it('prints exists / missing / unknown in build order and exits 0', async () => {
    const tags = await imagespec('tag', 'spec.yaml');
    expect(tags.code).toBe(0);
    const refs = tags.stdout.trim().split('\n');
    const baseRef = refs.find((r) => r.includes('/base:'))!;
    const ref = parseReference(baseRef);
    const pushed = await pushImage(
      { registry: BASIC, authorization: basicAuth(USER, PASSWORD) },
      ref.path,
      'linux/amd64',
      ref.tag,
    );

    const out = await imagespec('plan', 'spec.yaml');
    expect(out.code).toBe(0);
    const lines = JSON.parse(out.stdout) as Array<Record<string, string>>;
    expect(lines.map((l) => l.image)).toEqual(refs);
    const byName = Object.fromEntries(lines.map((l) => [l.name, l]));
    expect(byName.base).toMatchObject({
      existence: 'exists',
      digest: pushed.digest,
      image: baseRef,
      tag: ref.tag,
    });
    expect(byName.app).toMatchObject({ existence: 'missing' });
    expect(byName.app).not.toHaveProperty('digest');
    expect(byName.secret).toMatchObject({ existence: 'unknown' });
    expect(byName.secret!.reason).toContain('without credentials');
  });

  it('checks only the image --image names', async () => {
    const out = await imagespec('plan', '--image', 'app', 'spec.yaml');
    expect(out.code).toBe(0);
    const lines = JSON.parse(out.stdout) as Array<Record<string, string>>;
    expect(lines.map((l) => l.name)).toEqual(['app']);
  });

  it('exits 1 for spec errors, printing nothing on stdout', async () => {
    const out = await imagespec('plan', 'broken.yaml');
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('broken.yaml:3');
  });
});
