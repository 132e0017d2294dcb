import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideImage } from '../../src/decide.js';
import { UserError } from '../../src/errors.js';
import { planTags } from '../../src/pipeline.js';
import type { RegistryCheck } from '../../src/registry/existence.js';
import { loadSpecFile } from '../../src/spec/index.js';
import type { Flavor } from '../../src/spec/types.js';
import { bundle, runCli } from '../support/bundle.js';

let dir: string;
let cli: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-noop-'));
  cli = await bundle('cli', dir);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function specFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, text);
  return file;
}

const plan = async (file: string, flavor: Flavor = 'flyte') => planTags(file, { flavor, mode: 'hash' });

describe('builder: noop', () => {
  it('the image is base_image as written, as flytekit image_name() returns it after its noop build', async () => {
    const file = await specFile(
      'single',
      'name: app\nregistry: ghcr.io/acme\nbuilder: noop\nbase_image: ghcr.io/acme/prebuilt:1.2\npackages: [numpy]\n',
    );
    for (const flavor of ['flyte', 'generic'] as const) {
      const [p] = await plan(file, flavor);
      expect(p!.noop).toBe(true);
      expect(p!.reference).toBe('ghcr.io/acme/prebuilt:1.2');
      expect(p!.repository).toBe('ghcr.io/acme/prebuilt');
      expect(p!.tag).toBe('1.2');
      expect(p!.registry).toBe('ghcr.io');
      // The hash inputs are still those of the spec (explain lists them).
      expect(p!.inputs.some((i) => i.field === 'packages')).toBe(true);
    }
    const out = await runCli(cli, ['tag', '--flavor', 'flyte', file]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('ghcr.io/acme/prebuilt:1.2\n');
    const render = await runCli(cli, ['render', file]);
    expect(render.stdout).toContain('builder: noop');
    expect(render.stdout).not.toContain('FROM');
  });

  it('a Docker Hub short name keeps its spelling and is looked up at docker.io; a digest has no tag', async () => {
    const [hub] = await plan(await specFile('hub', 'name: app\nbuilder: noop\nbase_image: python\n'));
    expect([hub!.reference, hub!.repository, hub!.tag, hub!.registry]).toEqual([
      'python',
      'python',
      'latest',
      'docker.io',
    ]);
    const digest = `sha256:${'a'.repeat(64)}`;
    const [pinned] = await plan(
      await specFile('pinned', `name: app\nbuilder: noop\nbase_image: "localhost:5000/x@${digest}"\n`),
    );
    expect([pinned!.reference, pinned!.repository, pinned!.tag]).toEqual([
      `localhost:5000/x@${digest}`,
      'localhost:5000/x',
      '',
    ]);
  });

  it("a child built on a noop image hashes and builds FROM the noop image's base, as if it named it", async () => {
    const layered = await specFile(
      'layered',
      [
        'images:',
        '  base: {name: base, registry: ghcr.io/acme, builder: noop, base_image: "ghcr.io/acme/prebuilt:1.2"}',
        '  app: {name: app, registry: ghcr.io/acme, base_image: base, packages: [numpy]}',
        '',
      ].join('\n'),
    );
    const direct = await specFile(
      'direct',
      'name: app\nregistry: ghcr.io/acme\nbase_image: "ghcr.io/acme/prebuilt:1.2"\npackages: [numpy]\n',
    );
    const [, child] = await plan(layered);
    const [same] = await plan(direct);
    expect(child!.baseReference).toBe('ghcr.io/acme/prebuilt:1.2');
    expect(child!.noop).toBeUndefined();
    expect(child!.tag).toBe(same!.tag);
  });

  it('validate: base_image is required, and must be a registry image, not another image of the file', async () => {
    const none = await specFile('none', 'name: app\nbuilder: noop\n');
    await expect(loadSpecFile(none)).rejects.toSatisfy((e: unknown) =>
      (e as UserError).diagnostics.some(
        (d) => d.line === 2 && d.path === 'builder' && d.message.includes('base_image is not set'),
      ),
    );
    const alias = await specFile(
      'alias',
      'images:\n  a: {name: a, base_image: "debian:12"}\n  b: {name: b, builder: noop, base_image: a}\n',
    );
    await expect(loadSpecFile(alias)).rejects.toSatisfy((e: unknown) =>
      (e as UserError).diagnostics.some(
        (d) => d.path === 'images.b.base_image' && d.message.includes('noop'),
      ),
    );
    await expect(
      loadSpecFile(await specFile('ok', 'name: app\nbuilder: noop\nbase_image: "debian:12"\n')),
    ).resolves.toBeDefined();
  });
});

describe('validate: a noop image renders nothing', () => {
  it('fields only a generated Dockerfile uses are not judged for it, as flytekit ignores them', async () => {
    const fields = 'cuda: "12.1"\nbuilder_config: {uv_image: "not a reference!"}\n';
    const noop = await specFile(
      'noop-fields',
      `name: app\nbuilder: noop\nbase_image: "debian:12"\n${fields}`,
    );
    await expect(loadSpecFile(noop)).resolves.toBeDefined();
    const built = await specFile('built-fields', `name: app\nbase_image: "debian:12"\n${fields}`);
    await expect(loadSpecFile(built)).rejects.toSatisfy((e: unknown) => {
      const paths = (e as UserError).diagnostics.map((d) => d.path);
      return paths.includes('cuda') && paths.includes('builder_config.uv_image');
    });
  });
});

describe('the decision for a noop image', () => {
  const states: Record<string, RegistryCheck> = {
    exists: { state: 'exists', reason: 'found', digest: 'sha256:abc' },
    missing: { state: 'missing', reason: 'the registry answered 404' },
    unknown: { state: 'unknown', cause: 'auth', reason: '401 without credentials' },
  };
  it.each(Object.keys(states))('never builds (%s), whatever force, push and on-unknown say', (state) => {
    for (const force of [false, true])
      for (const canPush of [false, true])
        for (const onUnknown of ['fail', 'build', 'skip'] as const) {
          const got = decideImage(
            { reference: 'python:3.11', hasRegistry: true, existence: states[state]!, noop: true },
            { force, onUnknown, canPush, buildWithoutPush: true },
          );
          expect(got.action).toBe('skip');
          expect(got.reason).toMatch(/^builder: noop/);
          if (state === 'exists') expect(got.warning).toBeUndefined();
          else expect(got.warning).toContain('python:3.11 (builder: noop)');
        }
  });
});
