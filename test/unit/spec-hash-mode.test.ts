/** The `hash` load mode of tag and explain: every spec flytekit accepts gets a tag; validate stays strict. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planTags } from '../../src/pipeline.js';
import { UserError } from '../../src/errors.js';
import { explainText, planImages } from '../../src/hash/index.js';
import { checkSpecFile, loadSpecFile } from '../../src/spec/index.js';

const tmp = await mkdtemp(join(tmpdir(), 'imagespec-hash-mode-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

let n = 0;
async function specFile(text: string, files: Record<string, string> = {}): Promise<string> {
  const dir = join(tmp, `s${n++}`);
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  const file = join(dir, 'spec.yaml');
  await writeFile(file, text);
  return file;
}

const messages = async (file: string, mode: 'strict' | 'hash') =>
  (await checkSpecFile(file, { mode })).diagnostics.map((d) => `${d.path}: ${d.message}`);

describe('specs flytekit accepts but a build refuses', () => {
  it.each([
    ['python_version "3"', 'name: app\npython_version: "3"\n', 'python_version'],
    ['an env name with a dash', 'name: app\nenv: {"MY-VAR": x}\n', 'env.MY-VAR'],
    ['a non-string env value', 'name: app\nenv: {A: 1}\n', 'env.A'],
    ['a non-string env key', 'name: app\nenv: {1: x}\n', 'env[1]'],
    ['an apt version constraint', 'name: app\napt_packages: ["libfoo (>= 1)"]\n', 'apt_packages[0]'],
    ['a pip_index with a space', 'name: app\npip_index: "https://x y"\n', 'pip_index'],
    ['platform: null', 'name: app\nplatform: null\n', 'platform'],
    ['an unknown platform', 'name: app\nplatform: plan9/mips\n', 'platform'],
    [
      'a bare base image in an images: map',
      'images:\n  app:\n    base_image: python\n',
      'images.app.base_image',
    ],
    [
      'an unknown source_copy_mode',
      'name: app\nsource_root: .\nsource_copy_mode: some\n',
      'source_copy_mode',
    ],
    ['a copy entry with ..', 'name: app\ncopy: [../shared.txt]\n', 'copy[0]'],
  ])('%s: validate refuses, tag and explain accept', async (_title, text, path) => {
    const file = await specFile(text);
    await writeFile(join(file, '../../shared.txt'), 'shared\n');
    const strict = await messages(file, 'strict');
    expect(strict.some((m) => m.startsWith(`${path}:`))).toBe(true);
    await expect(loadSpecFile(file)).rejects.toThrow(/problem/);
    expect(await messages(file, 'hash')).toEqual([]);
    const [planned] = await planTags(file, { flavor: 'flyte', mode: 'hash' });
    expect(planned?.reference).toMatch(/^app:[A-Za-z0-9_.]{22}$/);
    // The default stays strict: plan and build never see such a spec.
    await expect(planTags(file, { flavor: 'flyte' })).rejects.toThrow(/problem/);
  });

  it('hashes the values as written: env {A: 1} differs from env {A: "1"}', async () => {
    const int = await planTags(await specFile('name: app\nenv: {A: 1}\n'), { flavor: 'flyte', mode: 'hash' });
    const str = await planTags(await specFile('name: app\nenv: {A: "1"}\n'), {
      flavor: 'flyte',
      mode: 'hash',
    });
    expect(int[0]?.spec.env).toEqual({});
    expect(int[0]?.spec.raw.get('env')).toEqual({ type: 'dict', entries: [['A', 1n]] });
    expect(int[0]?.tag).not.toBe(str[0]?.tag);
  });

  it('platform: null hashes like no platform, as flytekit fills it in when it is None', async () => {
    const [none] = await planTags(await specFile('name: app\nplatform: null\n'), {
      flavor: 'flyte',
      mode: 'hash',
    });
    const [absent] = await planTags(await specFile('name: app\n'), { flavor: 'flyte', mode: 'hash' });
    const [written] = await planTags(await specFile('name: app\nplatform: linux/amd64\n'), {
      flavor: 'flyte',
      mode: 'hash',
    });
    expect(none?.inputs.find((i) => i.field === 'platform')?.status).toBe('hashed');
    expect(none?.tag).toBe(absent?.tag);
    expect(none?.imageId).toBe(absent?.imageId);
    expect(absent?.tag).toBe(written?.tag);
    expect(none?.platforms).toEqual(['linux/amd64']);
  });
});

describe('what flytekit itself refuses stays an error in the hash mode', () => {
  it.each([
    ['an unknown field', 'name: app\npackagez: [x]\n', 'packagez', /unknown field "packagez"/],
    ['a string where a list is required', 'name: app\npackages: pandas\n', 'packages', /must be a list/],
    ['a number in a string list', 'name: app\ncommands: [1]\n', 'commands[0]', /must be a string/],
    [
      'a malformed pip_secret_mounts pair',
      'name: app\npip_secret_mounts: [[a]]\n',
      'pip_secret_mounts[0]',
      /pair/,
    ],
    ['an invalid registry', 'name: app\nregistry: "ghcr.io/my org"\n', 'registry', /registry/],
    ['a name that is not a string', 'name: [a]\n', 'name', /must be a string/],
    ['a non-string image field key', 'name: app\n1: x\n', '[1]', /not a string/],
    [
      'a missing requirements file',
      'name: app\nrequirements: missing.txt\n',
      'requirements',
      /does not exist/,
    ],
    ['a missing copy entry', 'name: app\ncopy: [nothing]\n', 'copy[0]', /does not exist/],
    [
      'a missing source_root',
      'name: app\nsource_root: nowhere\nsource_copy_mode: all\n',
      'source_root',
      /does not exist/,
    ],
    [
      'a base_image cycle',
      'images:\n  a: {base_image: b}\n  b: {base_image: a}\n',
      'images.a.base_image',
      /cycle/,
    ],
  ])('%s', async (_title, text, path, message) => {
    const file = await specFile(text);
    const hash = await messages(file, 'hash');
    expect(hash.filter((m) => m.startsWith(`${path}:`))).toEqual([expect.stringMatching(message)]);
    await expect(planTags(file, { flavor: 'flyte', mode: 'hash' })).rejects.toThrow(/problem/);
  });

  it('an empty registry means no registry, as in flytekit: tagged as written, built without pushing', async () => {
    const file = await specFile('name: app\nregistry: ""\n');
    expect(await messages(file, 'hash')).toEqual([]);
    expect(await messages(file, 'strict')).toEqual([]);
    const [empty] = await planTags(file, { flavor: 'flyte' });
    const [none] = await planTags(await specFile('name: app\n'), { flavor: 'flyte' });
    expect(empty?.registry).toBeUndefined();
    expect(empty?.reference).toBe(`app:${empty?.tag}`);
    // flytekit hashes the field it was given: '' is not None.
    expect(empty?.inputs.find((i) => i.field === 'registry')).toMatchObject({
      value: "''",
      status: 'hashed',
    });
    expect(empty?.tag).not.toBe(none?.tag);
  });

  it('python_version written as a number: accepted when it reads back as written, 3.10 refused as lossy', async () => {
    for (const version of ['3.9', '3.11', '3.12']) {
      const file = await specFile(`name: app\npython_version: ${version}\n`);
      expect(await messages(file, 'strict'), version).toEqual([]);
      const [planned] = await planTags(file, { flavor: 'flyte' });
      expect(planned?.spec.python_version).toBe(version);
      // flytekit hashes the float it was given, so the tag is not the quoted string's.
      expect(planned?.spec.raw.get('python_version')).toBe(Number(version));
      const [quoted] = await planTags(await specFile(`name: app\npython_version: "${version}"\n`), {
        flavor: 'flyte',
      });
      expect(planned?.tag).not.toBe(quoted?.tag);
      expect(explainText([planned!])).toContain(
        `python_version  ${version}  (a YAML number: flytekit hashes the float`,
      );
      expect(planned?.inputs.find((i) => i.field === 'python_version')?.note).toMatch(
        new RegExp(`a YAML number: flytekit hashes the float ${version.replace('.', '\\.')}`),
      );
    }
    const lossy = await specFile('name: app\npython_version: 3.10\n');
    expect(await messages(lossy, 'strict')).toEqual([
      'python_version: python_version must be a string; write "3.10" (unquoted, 3.10 reads as the number 3.1)',
    ]);
    for (const bad of ['3.90', '3.1e0', '1e3']) {
      expect(
        await messages(await specFile(`name: app\npython_version: ${bad}\n`), 'strict'),
        bad,
      ).not.toEqual([]);
    }
  });
});

describe('schema rules the semantic checks refine', () => {
  it('are reported once, with the semantic message, when both catch the problem', async () => {
    const file = await specFile('name: app\ncopy: [/etc/passwd]\n');
    expect(await messages(file, 'strict')).toEqual([
      'copy[0]: copy[0] "/etc/passwd" is absolute; give a path relative to the spec file (it is copied to /root/<path>)',
    ]);
  });

  it('still report the schema message where the semantic check cannot run (lock file missing)', async () => {
    const file = await specFile('name: app\nrequirements: uv.lock\npackages: [pandas]\n');
    expect(await messages(file, 'strict')).toEqual([
      expect.stringMatching(/^requirements: requirements "uv.lock" does not exist/),
      expect.stringMatching(/^packages: packages cannot be combined with a uv.lock or poetry.lock/),
    ]);
  });
});

describe('builder_options.network', () => {
  it('validate reports an unknown network mode at its line; tag still accepts it (flytekit does)', async () => {
    const file = await specFile('name: app\nbuilder_options:\n  network: bridge\n');
    const { diagnostics } = await checkSpecFile(file);
    expect(diagnostics.map((d) => [d.line, d.col, d.message])).toEqual([
      [3, 12, 'builder_options.network must be one of default, none, host; got "bridge"'],
    ]);
    expect(await messages(file, 'hash')).toEqual([]);
  });

  it('accepts default, none and host', async () => {
    for (const mode of ['default', 'none', 'host']) {
      expect(
        await messages(await specFile(`name: app\nbuilder_options: {network: ${mode}}\n`), 'strict'),
      ).toEqual([]);
    }
  });
});

describe('a file that fails while it is hashed', () => {
  it('is reported at the field that names it, like every problem with a spec', async () => {
    const file = await specFile('name: app\nrequirements: reqs.txt\n', { 'reqs.txt': 'numpy\n' });
    const spec = await loadSpecFile(file);
    // Gone between the check and the hash (a concurrent checkout, a cleanup).
    await rm(join(file, '..', 'reqs.txt'));
    const err = await planImages(spec, { flavor: 'generic' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).diagnostics).toEqual([
      {
        file,
        line: 2,
        col: 15,
        path: 'requirements',
        message: expect.stringMatching(/reqs\.txt does not exist/),
      },
    ]);
  });
});
