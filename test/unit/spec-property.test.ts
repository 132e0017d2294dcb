/**
 * One judge: for generated spec files, the spec stage's verdict is the whole verdict. When `validate`
 * accepts a spec, hashing and rendering it succeed; when anything refuses it, the refusal is a Diagnostic
 * with the spec file, a line and a column. Values are drawn from pools of ordinary, unusual and hostile
 * values for every field, so both sides of every rule are generated.
 */
import fc from 'fast-check';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Flavor } from '../../src/choices.js';
import { UserError } from '../../src/errors.js';
import { planImages } from '../../src/hash/index.js';
import { renderBuild } from '../../src/render/index.js';
import { checkSpecFile, type SpecMode } from '../../src/spec/index.js';

/** Cases per property (four properties: strict and hash mode, each flavor). */
export const RUNS = 250;

const some = <T>(...values: T[]) => fc.constantFrom(...values);
const list = <T>(item: fc.Arbitrary<T>) => fc.array(item, { minLength: 0, maxLength: 3 });
const hostile = ['a\nRUN id', '$(id)', "x'; id; '", 'a\\', 'tab\there', '<<EOF', '"q"', 'back\\slash'];

const FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  name: some('app', 'App', 'team/app', 'bad name', '', 'a__b'),
  python_version: some<unknown>('3.11', '3.12.1', '3', 'x', 3.11, 3.9, 3.1, null),
  builder: some('default', 'envd', null),
  registry: some('ghcr.io/acme', 'localhost:5000', '', 'Bad Reg', 'ghcr.io/Acme/Team', null),
  packages: list(
    some('numpy', 'pandas==2.0', '--pre -U -f https://x.test/w', 'a b', '', '-r other.txt', ...hostile),
  ),
  conda_packages: list(some('numpy', 'cudatoolkit=11', ...hostile)),
  conda_channels: list(some('conda-forge', 'nvidia', ...hostile)),
  apt_packages: list(some('git', 'curl', 'lib$x', ...hostile)),
  env: fc.dictionary(some('A', 'PATH', '1bad', 'a-b', 'X_Y'), some('x', '$HOME', 'a"b', '', ...hostile), {
    maxKeys: 3,
  }),
  commands: list(
    some(
      'echo hi',
      'echo a \\',
      '',
      '# note',
      'echo $HOME',
      'cat <<EOF',
      `echo ${'x'.repeat(70_000)}`,
      ...hostile,
    ),
  ),
  cuda: some('12.1', null),
  cudnn: some('8', null),
  base_image: some(
    'python:3.11-slim',
    'ubuntu:22.04',
    'bad image!',
    'ubuntu',
    'ghcr.io/x/y@sha256:' + 'a'.repeat(64),
  ),
  platform: some('linux/amd64', 'linux/arm64,linux/amd64', 'windows/x', 'linux/amd64,linux/amd64', null),
  pip_index: some('https://pypi.org/simple', 'not a url', "x' y", null),
  pip_extra_index_url: list(some('https://x.test/simple', 'a b', ...hostile)),
  pip_extra_args: some('--no-cache-dir', "--foo 'unterminated", '--a; id', '--pre', null),
  entrypoint: some(['python', '-m', 'x'], ['a\u0000b'], [], null),
  tag_format: some('{spec_hash}', 'v-{spec_hash}', '{x}', '{spec_hash:>30}', '{', 'a b {spec_hash}', null),
  source_root: some('.', 'src', 'missing', null),
  source_copy_mode: some('all', 'no_copy', 'loaded_modules', 'ALL', 'bogus', null),
  copy: list(some('src', 'src/mod.py', 'missing', '../x', '/abs', '')),
  requirements: some('requirements.txt', 'uv.lock', 'nopy/poetry.lock', 'missing.txt', '', null),
  python_exec: some('/usr/bin/python3', null),
  builder_options: some({ network: 'none' }, { network: 'bridge' }, { network: 1 }, { other: true }, null),
  labels: fc.dictionary(some('org.x', 'bad key', 'k=v', 'a'), some('v', ...hostile), { maxKeys: 2 }),
  secrets: some(
    [{ id: 'tok', env: 'TOKEN' }],
    [{ id: 'a b', env: 'X' }],
    [{ id: 'f', src: 'requirements.txt' }],
  ),
  python_installer: some('pip', 'uv', 'conda'),
  builder_config: some({ uv_image: 'ghcr.io/astral-sh/uv:0.5' }, { uv_image: 'bad img' }, {}),
  dockerfile: some('Dockerfile', 'missing/Dockerfile'),
  build_args: some({ A: '1' }, { 'B C': 'x' }, {}),
  target: some('final', 'bad target'),
};

/** A spec: a few fields, each from its pool; `dockerfile` specs are the less common kind. */
const specArb = fc
  .subarray(Object.keys(FIELDS), { minLength: 1, maxLength: 7 })
  .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, FIELDS[k]!]))));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-property-'));
  await mkdir(path.join(dir, 'src'));
  await mkdir(path.join(dir, 'nopy'));
  await writeFile(path.join(dir, 'src', 'mod.py'), 'print(1)\n');
  await writeFile(path.join(dir, 'requirements.txt'), 'numpy\n');
  await writeFile(path.join(dir, 'uv.lock'), 'version = 1\n');
  await writeFile(path.join(dir, 'pyproject.toml'), '[project]\nname = "x"\nversion = "0"\n');
  await writeFile(path.join(dir, 'nopy', 'poetry.lock'), '# lock\n');
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function writeSpec(fields: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, `spec-${counter++}.yaml`);
  await writeFile(file, stringify(fields, { version: '1.1' }));
  return file;
}

/** A refusal must be a UserError whose diagnostics point into the spec file. */
function expectPositioned(err: unknown, file: string, stage: string): void {
  expect(err, `${stage} threw a non-user error: ${String(err)}`).toBeInstanceOf(UserError);
  const diagnostics = (err as UserError).diagnostics;
  expect(diagnostics.length, `${stage}: ${(err as Error).message} has no position`).toBeGreaterThan(0);
  for (const d of diagnostics) {
    expect(d.file).toBe(file);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

async function judge(
  fields: Record<string, unknown>,
  mode: SpecMode,
  flavor: Flavor,
): Promise<'accepted' | 'refused'> {
  const file = await writeSpec(fields);
  const { spec, diagnostics } = await checkSpecFile(file, { mode, flavor });
  if (!spec) {
    expectPositioned(new UserError('refused', diagnostics), file, 'validate');
    return 'refused';
  }
  let planned;
  try {
    planned = await planImages(spec, { flavor });
  } catch (err) {
    expectPositioned(err, file, 'hash');
    throw new Error(`validate accepted ${JSON.stringify(fields)} but hashing refused it: ${String(err)}`);
  }
  if (mode === 'hash') return 'accepted';
  for (const p of planned) {
    try {
      await renderBuild(p);
    } catch (err) {
      expectPositioned(err, file, 'render');
      throw new Error(
        `validate accepted ${JSON.stringify(fields)} but rendering refused it: ${printed(err)}`,
      );
    }
  }
  return 'accepted';
}

function printed(err: unknown): string {
  return err instanceof UserError ? err.diagnostics.map((d) => d.message).join('; ') : String(err);
}

describe('validate is the only judge', () => {
  for (const flavor of ['generic', 'flyte'] as const) {
    it(`strict (${flavor}): accepted specs hash and render; refusals carry positions`, async () => {
      const seen = { accepted: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(specArb, async (fields) => {
          seen[await judge(fields, 'strict', flavor)]++;
        }),
        { numRuns: RUNS },
      );
      // Both sides of the rules were exercised.
      expect(seen.accepted).toBeGreaterThan(RUNS / 10);
      expect(seen.refused).toBeGreaterThan(RUNS / 10);
    }, 120_000);

    it(`hash mode (${flavor}): accepted specs get a tag; refusals carry positions`, async () => {
      const seen = { accepted: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(specArb, async (fields) => {
          seen[await judge(fields, 'hash', flavor)]++;
        }),
        { numRuns: RUNS },
      );
      // Both sides of the rules were exercised.
      expect(seen.accepted).toBeGreaterThan(RUNS / 10);
      expect(seen.refused).toBeGreaterThan(RUNS / 10);
    }, 120_000);
  }
});
