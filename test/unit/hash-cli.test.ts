import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, runCli } from '../support/bundle.js';
import { writeTree } from '../support/testbed.js';

const repo = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/hash');
let work: string;
let cli: string;

/** Runs the bundled CLI in `cwd`; resolves with stdout, stderr and the exit code. */
const imagespec = (cwd: string, ...args: string[]) => runCli(cli, args, { cwd });

const specDir = (name: string, files: Record<string, string>): Promise<string> =>
  writeTree(path.join(work, name), files);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'imagespec-hash-cli-'));
  cli = await bundle('cli', work);
}, 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('imagespec tag --flavor flyte: the public vectors', () => {
  it.each([
    ['minimal', 'name: minimal\n', {}, 'minimal:Nb74Q4VUBdWWyIXIQbjL8Q'],
    [
      'flyte-app',
      'name: Flyte-App\nregistry: GHCR.io/Acme-Org\npython_version: "3.12"\npackages: ["pandas==2.2.3", "scikit-learn>=1.5", "torch"]\napt_packages: [git, curl]\n',
      {},
      'ghcr.io/acme-org/flyte-app:_ENozK2Ges1yqV2jrOvSRw',
    ],
    [
      'tagfmt',
      'name: tagfmt\nregistry: localhost:30000\nbase_image: ghcr.io/flyteorg/flytekit:py3.11-latest\ntag_format: "{spec_hash}-dev"\nentrypoint: []\nplatform: linux/amd64,linux/arm64\n',
      {},
      'localhost:30000/tagfmt:h1isLhMurz9SMJWXdFu2Rw-dev',
    ],
    [
      'reqs',
      'name: reqs\npython_version: "3.11"\nrequirements: requirements.txt\n',
      { 'requirements.txt': 'pandas==2.2.3\nnumpy\n\n' },
      'reqs:oIxVXEoofbfPGaWeUKJzVQ',
    ],
  ])('%s', async (name, yaml, extra, expected) => {
    const dir = await specDir(`vector-${name}`, { 'imagespec.yaml': yaml, ...extra });
    const out = await imagespec(dir, 'tag', '--flavor', 'flyte', 'imagespec.yaml');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(`${expected}\n`);
  });
});

describe('flyte flavor with source_root, copy and requirements', () => {
  it("matches flytekit's digests on a tree with ignores (expected values from flytekit_reference.py)", async () => {
    const tree = JSON.parse(await readFile(path.join(fixtures, 'tree.json'), 'utf8')) as {
      files: Record<string, string>;
    };
    const expected = JSON.parse(await readFile(path.join(fixtures, 'expected.json'), 'utf8')) as Record<
      string,
      string
    >;
    const yaml = [
      'name: srcimg',
      'source_root: src',
      'requirements: requirements.txt',
      'tag_format: "v1-{spec_hash}"',
      'source_copy_mode: all',
      'copy: [notes.md, data, src/pkg/mod.py]',
      '',
    ].join('\n');
    const dir = await specDir('flyte-tree', { ...tree.files, 'imagespec.yaml': yaml });
    const tag = await imagespec(dir, 'tag', '--flavor', 'flyte', 'imagespec.yaml');
    expect(tag.stderr).toBe('');
    expect(tag.stdout).toBe(`srcimg:${expected.tag}\n`);

    const explain = await imagespec(dir, 'explain', '--flavor', 'flyte', 'imagespec.yaml');
    expect(explain.stdout).toContain(`source_root       '${expected['source_root src']}'`);
    expect(explain.stdout).toContain(`copy              '${expected.copy}'`);
    // The generic flavor never takes the flyte tag.
    const generic = await imagespec(dir, 'tag', 'imagespec.yaml');
    expect(generic.stdout).toMatch(/^srcimg:v1-[A-Za-z0-9_]{22}\n$/);
    expect(generic.stdout).not.toBe(tag.stdout);
  });

  it('refuses source_root without source_copy_mode in the flyte flavor and says how to fix it', async () => {
    const dir = await specDir('loaded-modules', {
      'imagespec.yaml': 'name: lm\nsource_root: src\n',
      'src/a.py': 'x\n',
    });
    const out = await imagespec(dir, 'tag', '--flavor', 'flyte', 'imagespec.yaml');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('source_copy_mode: all');
    expect(out.stderr).toMatch(/imagespec\.yaml:2:\d+/);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('imagespec tag and explain', () => {
  const multi = [
    'images:',
    '  base:',
    '    registry: ghcr.io/acme',
    '    packages: [numpy]',
    '  app:',
    '    registry: ghcr.io/acme',
    '    base_image: base',
    '    packages: [pandas]',
    '',
  ].join('\n');

  it('prints one reference per image in build order; a child hashes its parent reference', async () => {
    const dir = await specDir('multi', { 'imagespec.yaml': multi });
    const out = await imagespec(dir, 'tag', '--flavor', 'flyte', 'imagespec.yaml');
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ghcr\.io\/acme\/base:[A-Za-z0-9_]{22}$/);
    expect(lines[1]).toMatch(/^ghcr\.io\/acme\/app:[A-Za-z0-9_]{22}$/);
    const explain = await imagespec(dir, 'explain', '--flavor', 'flyte', '--image', 'app', 'imagespec.yaml');
    expect(explain.stdout).toContain(
      `'${lines[0]}'  (full reference of the image of this file that it builds on)`,
    );
    expect(explain.stdout).toContain(`base:      ${lines[0]}`);

    // Changing the parent changes the child's tag.
    await writeFile(path.join(dir, 'imagespec.yaml'), multi.replace('[numpy]', '[numpy, scipy]'));
    const changed = (await imagespec(dir, 'tag', '--flavor', 'flyte', 'imagespec.yaml')).stdout
      .trim()
      .split('\n');
    expect(changed[1]).not.toBe(lines[1]);
  });

  it('--image selects one image, --registry replaces the registry', async () => {
    const dir = await specDir('select', { 'imagespec.yaml': multi });
    const one = await imagespec(
      dir,
      'tag',
      '--image',
      'base',
      '--registry',
      'LOCALHOST:5000/Team',
      'imagespec.yaml',
    );
    expect(one.stdout).toMatch(/^localhost:5000\/team\/base:[A-Za-z0-9_]{22}\n$/);
    const missing = await imagespec(dir, 'tag', '--image', 'nope', 'imagespec.yaml');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('it has: base, app');
  });

  it('explain lists excluded fields as excluded and the generic salt', async () => {
    const dir = await specDir('excluded', {
      'imagespec.yaml': 'name: ex\nbuilder: default\nruntime_packages: [x]\npackages: [a]\n',
    });
    const out = await imagespec(dir, 'explain', 'imagespec.yaml');
    expect(out.stdout).toMatch(/builder\s+excluded: /);
    expect(out.stdout).toMatch(/runtime_packages\s+excluded: /);
    expect(out.stdout).toMatch(/salt\s+'imagespec_flavor': 'generic\/1'/);
  });

  it('rejects an unknown flavor with a clear message', async () => {
    const dir = await specDir('flavor', { 'imagespec.yaml': 'name: f\n' });
    const out = await imagespec(dir, 'tag', '--flavor', 'docker', 'imagespec.yaml');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("--flavor is 'docker'; use one of: generic, flyte");
  });

  it('generic: a Dockerfile spec hashes the Dockerfile, the context as sent, build args and target', async () => {
    const yaml = 'name: df\ndockerfile: Dockerfile\nbuild_args: {A: "1"}\ntarget: final\n';
    const dir = await specDir('dockerfile', {
      'imagespec.yaml': yaml,
      Dockerfile: 'FROM scratch\nCOPY app /app\n',
      '.dockerignore': 'cache\n',
      'app/main.py': 'print(1)\n',
      'cache/blob': 'x',
    });
    const tagNow = async (): Promise<string> => (await imagespec(dir, 'tag', 'imagespec.yaml')).stdout;
    const first = await tagNow();
    expect(first).toMatch(/^df:[A-Za-z0-9_]{22}\n$/);
    await writeFile(path.join(dir, 'cache/blob'), 'y');
    expect(await tagNow()).toBe(first);
    await writeFile(path.join(dir, 'app/main.py'), 'print(2)\n');
    const second = await tagNow();
    expect(second).not.toBe(first);
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY app /srv\n');
    const third = await tagNow();
    expect(third).not.toBe(second);
    await writeFile(path.join(dir, 'imagespec.yaml'), yaml.replace('"1"', '"2"'));
    expect(await tagNow()).not.toBe(third);
    const explain = await imagespec(dir, 'explain', 'imagespec.yaml');
    expect(explain.stdout).toMatch(/build_context\s+'[0-9a-f]{64}'/);
    expect(explain.stdout).toContain('app/main.py');
    expect(explain.stdout).not.toContain('cache/blob');
  });
});

describe('imagespec tag and explain take every spec flytekit accepts', () => {
  it('tags a spec that validate refuses (python_version "3", env {A: 1}, platform: null)', async () => {
    const dir = await specDir('lenient', {
      'imagespec.yaml': 'name: lenient\npython_version: "3"\nenv: {A: 1}\nplatform: null\n',
    });
    const tagged = await imagespec(dir, 'tag', '--flavor', 'flyte', 'imagespec.yaml');
    expect(tagged.code).toBe(0);
    expect(tagged.stdout).toMatch(/^lenient:[A-Za-z0-9_]{22}\n$/);
    const explained = await imagespec(dir, 'explain', '--flavor', 'flyte', 'imagespec.yaml');
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain("{'A': 1}");
    const validated = await imagespec(dir, 'validate', 'imagespec.yaml');
    expect(validated.code).toBe(1);
    expect(validated.stderr).toContain('python_version');
  });
});
