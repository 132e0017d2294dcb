import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextDigest, flyteCopyDigest, flyteSourceRootDigest } from '../../src/hash/digests.js';
import { DockerPyPatternMatcher } from '../../src/hash/flytekit-ignore.js';
import { applyTagFormat, tagFormatProblem } from '../../src/spec/tag-format.js';
import { UserError } from '../../src/errors.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/hash');
let work: string;
let expected: Record<string, string | string[]>;

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'imagespec-hash-digests-'));
  const tree = JSON.parse(await readFile(path.join(fixtures, 'tree.json'), 'utf8')) as {
    files: Record<string, string>;
  };
  await writeTree(work, tree.files);
  expected = JSON.parse(await readFile(path.join(fixtures, 'expected.json'), 'utf8')) as typeof expected;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("flytekit's ls_files digest of source_root", () => {
  // flytekit hands its ignore rules paths prefixed with source_root as written when it is relative.
  it.each(['src', './src', 'src/'])('as written %j (relative to the spec directory)', async (written) => {
    const d = await flyteSourceRootDigest(path.join(work, 'src'), written, written);
    expect(d.value).toBe(expected['source_root src']);
  });

  it('absolute: git, .dockerignore and standard ignores apply to paths relative to the root', async () => {
    const abs = path.join(work, 'src');
    const d = await flyteSourceRootDigest(abs, abs, 'src');
    expect(d.value).toBe(expected['source_root absolute']);
    expect(d.files).toEqual((expected['source_root absolute files'] as string[]).map((f) => `src/${f}`));
  });

  it("'.' with the spec inside the root", async () => {
    const d = await flyteSourceRootDigest(path.join(work, 'src'), '.', '.');
    expect(d.value).toBe(expected['source_root . (spec in src)']);
  });

  it('a missing source_root is a user error', async () => {
    await expect(flyteSourceRootDigest(path.join(work, 'nope'), 'nope', 'nope')).rejects.toBeInstanceOf(
      UserError,
    );
  });
});

describe("flytekit's compute_digest of copy", () => {
  it('hashes files and directories in order; missing entries contribute nothing', async () => {
    const entries = ['notes.md', 'data', 'missing.txt', 'src/pkg/mod.py'].map((w) => ({
      written: w,
      abs: path.join(work, w),
    }));
    const d = await flyteCopyDigest(entries, (abs) => path.relative(work, abs));
    expect(d.value).toBe(expected.copy);
    expect(d.files).toEqual(['notes.md', 'data/one.csv', 'data/nested/two.csv', 'src/pkg/mod.py']);
    expect(d.skipped).toEqual([{ rel: 'missing.txt', reason: 'does not exist' }]);
  });
});

describe('docker-py PatternMatcher port', () => {
  it.each([
    [['*.log'], 'a.log', true],
    [['*.log'], 'sub/a.log', false],
    [['**/*.log'], 'sub/a.log', true],
    [['build'], 'build/x/y', true],
    [['build', '!build/keep.txt'], 'build/keep.txt', false],
    [['BUILD'], 'build/x', true],
    [['a/../b'], 'b/c', true],
    [['[!a]x'], 'bx', true],
    [['[!a]x'], 'ax', false],
    [['.dockerignore'], '.dockerignore', false],
  ])('%j matches %j: %s', (patterns, file, result) => {
    expect(new DockerPyPatternMatcher(patterns).matches(file)).toBe(result);
  });
});

describe('build context digest (Docker semantics)', () => {
  it('changes when a sent file changes, not when an ignored one does; symlinks hash as links', async () => {
    const ctx = path.join(work, 'ctx');
    await writeTree(ctx, {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': 'logs\n!logs/keep\n*.tmp\n',
      'app/main.py': 'x',
      'logs/a': '1',
      'logs/keep': 'k',
      'b.tmp': 't',
    });
    await symlink('app/main.py', path.join(ctx, 'link'));
    const shown = (abs: string): string => path.relative(ctx, abs);
    const digest = async (): Promise<string> =>
      (await contextDigest(ctx, path.join(ctx, 'Dockerfile'), undefined, shown)).value;
    const first = await contextDigest(ctx, path.join(ctx, 'Dockerfile'), undefined, shown);
    expect(first.files).toEqual(['.dockerignore', 'Dockerfile', 'app/main.py', 'link', 'logs/keep']);
    await writeFile(path.join(ctx, 'logs/a'), '2');
    await writeFile(path.join(ctx, 'b.tmp'), 'u');
    expect(await digest()).toBe(first.value);
    await writeFile(path.join(ctx, 'logs/keep'), 'K');
    const second = await digest();
    expect(second).not.toBe(first.value);
    await writeFile(path.join(ctx, 'Dockerfile.dockerignore'), 'app\n');
    const third = await contextDigest(ctx, path.join(ctx, 'Dockerfile'), undefined, shown);
    expect(third.files).not.toContain('app/main.py');
    expect(third.value).not.toBe(second);
  });
});

describe('tag_format', () => {
  it.each([
    ['{spec_hash}', 'abc'],
    ['{spec_hash}-dev', 'abc-dev'],
    ['v{{1}}-{spec_hash}', 'v{1}-abc'],
    ['{spec_hash:.2}', 'ab'],
    ['{spec_hash:_>5}', '__abc'],
    ['{spec_hash!s}', 'abc'],
  ])('%j → %j', (format, result) => {
    expect(applyTagFormat(format, 'abc')).toBe(result);
  });

  it.each(['{}', '{other}', '{spec_hash', 'a}b', '{spec_hash!x}', '{spec_hash:d}'])(
    '%j is refused with the reason',
    (format) => {
      expect(tagFormatProblem(format)).toMatch(/cannot be applied: .*Use '\{spec_hash\}'/);
      expect(() => applyTagFormat(format, 'abc')).toThrow();
    },
  );
});
