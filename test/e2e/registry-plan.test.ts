/**
 * `imagespec plan` end to end: the bundled CLI hashes a spec, asks the testbed's registries, and prints
 * JSON in build order; credentials come from a Docker config file named by DOCKER_CONFIG.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../../src/registry/reference.js';
import { basicAuth, pushImage } from '../support/registry-upload.js';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run eval "$(bash scripts/testbed.sh env)" first`);
  return v;
}
const BASIC = need('TESTBED_BASIC_REGISTRY');
const USER = need('TESTBED_BASIC_USER');
const PASSWORD = need('TESTBED_BASIC_PASSWORD');
const TOKEN = need('TESTBED_TOKEN_REGISTRY');

const execFileP = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const run = randomUUID().slice(0, 8);
let work: string;
let cli: string;
let env: NodeJS.ProcessEnv;

async function imagespec(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [cli, ...args], { cwd: work, env });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'imagespec-plan-'));
  cli = path.join(work, 'cli.mjs');
  await build({
    entryPoints: [path.join(repo, 'src/cli.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
    define: { __IMAGESPEC_VERSION__: '"test"' },
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  const docker = path.join(work, 'docker');
  await mkdir(docker);
  const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  await writeFile(path.join(docker, 'config.json'), JSON.stringify({ auths: { [BASIC]: { auth } } }));
  env = { ...process.env, DOCKER_CONFIG: docker };
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
      `    registry: ${TOKEN}/imagespec-e2e-plan-${run}`,
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
