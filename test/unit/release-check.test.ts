// The release checks (scripts/release-check.mjs) as the release workflow runs them. On a temporary clone of this
// repository (with its real build): tag a release commit, run the checks, and see them pass, or fail when dist/ is
// not the build of the commit or the changelog does not describe the version. The rules that do not depend on
// what the build makes (tags, branches, pre-releases, the changelog) run on a small repository whose build takes
// no time, with the same script.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOutputs } from '../support/runner-files.js';

const root = process.cwd();
const temporary: string[] = [];
/** The repository the helpers below work in. */
let dir = '';
let branch = '';

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  notes: string;
}

function check(...args: string[]): Run {
  const outputFile = join(dir, '..', 'github-output');
  const notesFile = join(dir, '..', 'notes.md');
  writeFileSync(outputFile, '');
  rmSync(notesFile, { force: true });
  const extra = args[0] === 'tag' ? ['--notes-file', notesFile] : [];
  const r = spawnSync(process.execPath, ['scripts/release-check.mjs', ...args, ...extra], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_OUTPUT: outputFile },
  });
  let notes = '';
  try {
    notes = readFileSync(notesFile, 'utf8');
  } catch {
    // not written when a check failed
  }
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    notes,
  };
}

function setVersion(version: string): void {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  pkg.version = version;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  lock.version = version;
  lock.packages[''].version = version;
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
}

/** Adds a dated changelog section for version under Unreleased, with its link. */
function addSection(version: string, body: string): void {
  const file = join(dir, 'CHANGELOG.md');
  const text = readFileSync(file, 'utf8');
  const at = text.search(/^## \[(?!Unreleased)/m);
  const section = `## [${version}] - 2026-01-02\n\n${body}\n\n`;
  const withSection =
    at < 0 ? text.trimEnd() + `\n\n${section}` : text.slice(0, at) + section + text.slice(at);
  writeFileSync(
    file,
    `${withSection.trimEnd()}\n[${version}]: https://github.com/imagespec-action/imagespec-action/releases/tag/v${version}\n`,
  );
}

/** A release commit: version, changelog section (unless body is undefined), rebuilt dist/, then the tag. */
function releaseCommit(version: string, body: string | undefined, edit?: () => void): string {
  setVersion(version);
  if (body !== undefined) addSection(version, body);
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'ignore' });
  edit?.();
  git('add', '-A');
  git('commit', '-q', '-m', `Release ${version}`);
  git('tag', '-a', `v${version}`, '-m', `v${version}`);
  return git('rev-parse', 'HEAD');
}

function newRepo(): string {
  const base = mkdtempSync(join(tmpdir(), 'imagespec-release-'));
  temporary.push(base);
  return join(base, 'repo');
}

/** Git settings, node_modules (for the script's dependencies) and a first commit of what is there. */
function initRepo(repo: string): void {
  dir = repo;
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  appendFileSync(join(dir, '.git', 'info', 'exclude'), 'node_modules\n');
  git('config', 'user.name', 'Release Test');
  git('config', 'user.email', 'release-test@example.com');
  git('config', 'commit.gpgsign', 'false');
  git('config', 'tag.gpgsign', 'false');
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', 'work tree');
  branch = git('rev-parse', '--abbrev-ref', 'HEAD');
}

/** A clone of this repository with the work tree's uncommitted changes, so they are what is tested. */
function cloneThisRepository(): string {
  const repo = newRepo();
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', root, repo]);
  const changed = execFileSync('git', ['ls-files', '-z', '-m', '-o', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const f of changed) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    try {
      copyFileSync(resolve(root, f), join(repo, f));
    } catch {
      rmSync(join(repo, f), { force: true }); // deleted in the work tree
    }
  }
  return repo;
}

/** A repository with the release script, a one-file build, a package version and a changelog. */
function smallRepository(): string {
  const repo = newRepo();
  mkdirSync(join(repo, 'scripts'), { recursive: true });
  execFileSync('git', ['init', '--quiet', repo]);
  copyFileSync(join(root, 'scripts', 'release-check.mjs'), join(repo, 'scripts', 'release-check.mjs'));
  writeFileSync(
    join(repo, 'scripts', 'build.mjs'),
    [
      "import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';",
      "const { version } = JSON.parse(readFileSync('package.json', 'utf8'));",
      "mkdirSync('dist', { recursive: true });",
      "writeFileSync('dist/index.js', `export const version = ${JSON.stringify(version)};\\n`);",
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(repo, 'package.json'),
    JSON.stringify({ name: 'small', version: '9.9.0-dev', scripts: { build: 'node scripts/build.mjs' } }),
  );
  writeFileSync(
    join(repo, 'package-lock.json'),
    JSON.stringify({
      name: 'small',
      version: '9.9.0-dev',
      lockfileVersion: 3,
      packages: { '': { version: '9.9.0-dev' } },
    }),
  );
  writeFileSync(
    join(repo, 'CHANGELOG.md'),
    [
      '# Changelog',
      '',
      '## [Unreleased]',
      '',
      '- Next.',
      '',
      '## [0.1.0] - 2025-01-01',
      '',
      '- First.',
      '',
      '[Unreleased]: https://example.com/compare/v0.1.0...HEAD',
      '[0.1.0]: https://example.com/releases/tag/v0.1.0',
      '',
    ].join('\n'),
  );
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repo });
  return repo;
}

afterAll(() => {
  for (const base of temporary) rmSync(base, { recursive: true, force: true });
});

describe(
  'release-check tag: the release workflow dry-run on a clone of this repository',
  { timeout: 120_000 },
  () => {
    beforeAll(() => initRepo(cloneThisRepository()));

    it('passes on a release made as docs/releasing.md says, with the Unreleased entries as notes', () => {
      // Steps 1-4: npm version, Unreleased becomes the dated section, build, commit everything, tag.
      execFileSync('npm', ['version', '9.9.9', '--no-git-tag-version'], { cwd: dir, stdio: 'ignore' });
      const file = join(dir, 'CHANGELOG.md');
      const text = readFileSync(file, 'utf8');
      const unreleased = /^## \[Unreleased\]\n([\s\S]*?)(?=^## \[|^\[)/m.exec(text)?.[1]?.trim();
      expect(unreleased).toBeTruthy();
      writeFileSync(
        file,
        text
          .replace('## [Unreleased]\n', '## [Unreleased]\n\n## [9.9.9] - 2026-01-02\n')
          .replace(
            /^\[Unreleased\]: .*$/m,
            '[Unreleased]: https://github.com/imagespec-action/imagespec-action/compare/v9.9.9...HEAD\n' +
              '[9.9.9]: https://github.com/imagespec-action/imagespec-action/releases/tag/v9.9.9',
          ),
      );
      execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
      git('add', '-A');
      git('commit', '-q', '-m', 'Release 9.9.9');
      git('tag', '-a', 'v9.9.9', '-m', 'v9.9.9');
      const commit = git('rev-parse', 'HEAD');

      const r = check('tag', 'v9.9.9', '--branch', branch);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`moves v9 to ${commit}`);
      expect(r.notes).toBe(`${unreleased}\n`);
      expect(r.outputs).toEqual({
        version: '9.9.9',
        major: 'v9',
        prerelease: 'false',
        'move-major': 'true',
        commit,
        notes: unreleased,
      });
      // Rebuilding changed nothing.
      expect(git('status', '--porcelain')).toBe('');
      // The pull-request check (check-dist.yml) runs the same comparison.
      const pr = check('dist');
      expect(pr.stderr).toBe('');
      expect(pr.status).toBe(0);
    });

    it('fails when a committed dist/ file differs from the build, or is one the build no longer makes', () => {
      releaseCommit('9.9.10', '- Ten.', () => {
        appendFileSync(join(dir, 'dist', 'cli.js'), '// edited by hand\n');
        writeFileSync(join(dir, 'dist', 'stale-chunk.js'), 'export {};\n');
      });
      const r = check('tag', 'v9.9.10', '--branch', branch);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/dist\/ differs from what npm run build makes of v9\.9\.10/);
      expect(r.stderr).toContain(' M dist/cli.js');
      expect(r.stderr).toContain(' D dist/stale-chunk.js');
      expect(r.outputs).toEqual({});
      expect(r.notes).toBe('');

      git('checkout', '--', 'dist');
      const pr = check('dist');
      expect(pr.status).toBe(1);
      expect(pr.stderr).toContain('dist/ differs from what npm run build makes of this commit');
      expect(pr.stderr).toContain(' M dist/cli.js');
      expect(pr.stderr).toContain(' D dist/stale-chunk.js');
      git('checkout', '--', 'dist');
      git('rm', '-q', 'dist/stale-chunk.js');
      git('commit', '-q', '-m', 'Remove the stale file');
    });

    it('fails when the changelog has no section for the version', () => {
      releaseCommit('9.9.12', undefined);
      const r = check('tag', 'v9.9.12', '--branch', branch);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        'release-check: CHANGELOG.md: no "## [9.9.12] - YYYY-MM-DD" section; move the Unreleased entries under it\n',
      );
    });
  },
);

describe('release-check tag: tags, branches and the major tag', () => {
  beforeAll(() => {
    initRepo(smallRepository());
    releaseCommit('9.9.9', '- Nine.');
    releaseCommit('9.9.10', '- Ten.');
  });

  it('fails when the tag is not package.json version, or not on the branch, or the tree is dirty', () => {
    expect(check('tag', 'v9.9.10', '--branch', branch).status).toBe(0);

    git('tag', 'v9.9.13');
    const r = check('tag', 'v9.9.13', '--branch', branch);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('package.json: version is 9.9.10, the tag says 9.9.13');

    const first = git('rev-list', '--max-parents=0', 'HEAD');
    git('branch', 'old-line', first);
    git('checkout', '-q', 'v9.9.9');
    expect(check('tag', 'v9.9.9', '--branch', branch).status).toBe(0);
    const offBranch = check('tag', 'v9.9.9', '--branch', 'old-line');
    expect(offBranch.status).toBe(1);
    expect(offBranch.stderr).toBe(
      'release-check: v9.9.9 is not on old-line; releases are tagged on commits of that branch\n',
    );

    writeFileSync(join(dir, 'CHANGELOG.md'), 'changed\n', { flag: 'a' });
    const dirty = check('tag', 'v9.9.9', '--branch', branch);
    expect(dirty.status).toBe(1);
    expect(dirty.stderr).toContain('the work tree has changes');
    expect(dirty.stderr).toContain(' M CHANGELOG.md');
    git('checkout', '--', 'CHANGELOG.md');

    const notTagged = check('tag', 'v9.9.10', '--branch', branch);
    expect(notTagged.status).toBe(1);
    expect(notTagged.stderr).toContain('tag v9.9.10 is not HEAD');
    git('checkout', '-q', branch);
  });

  it('publishes a pre-release without moving the major tag', () => {
    releaseCommit('10.0.0-rc.1', '- Release candidate.');
    const r = check('tag', 'v10.0.0-rc.1', '--branch', branch);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(pre-release)');
    expect(r.stdout).toContain('leaves v10 where it is');
    expect(r.outputs).toMatchObject({ major: 'v10', prerelease: 'true', 'move-major': 'false' });
  });

  it('does not move the major tag back for a fix on an older minor line', () => {
    releaseCommit('9.8.1', '- Backported fix.');
    const r = check('tag', 'v9.8.1', '--branch', branch);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('leaves v9 where it is (a newer v9 release exists)');
    expect(r.outputs).toMatchObject({ major: 'v9', prerelease: 'false', 'move-major': 'false' });
  });

  it('refuses a tag that is not a version', () => {
    const r = check('tag', 'v1.2', '--branch', branch);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('a release tag is vX.Y.Z or vX.Y.Z-prerelease');
  });
});

describe('release-check changelog (run by npm run lint)', () => {
  // The small repository's changelog now has 9.8.1, 10.0.0-rc.1, 9.9.10, 9.9.9 and 0.1.0.
  afterAll(() => git('checkout', '--', 'package.json', 'package-lock.json', 'CHANGELOG.md'));

  it('passes for this repository as it is', () => {
    const r = spawnSync(process.execPath, ['scripts/release-check.mjs', 'changelog'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('accepts a released version with its section, and a pre-release version with Unreleased', () => {
    setVersion('9.9.9');
    expect(check('changelog').status).toBe(0);
    setVersion('9.9.14-dev');
    expect(check('changelog').status).toBe(0);
  });

  it('fails for a release version without a section, naming the fix', () => {
    setVersion('9.9.14');
    const r = check('changelog');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`no section for package.json's version 9.9.14`);
    expect(r.stderr).toContain('9.9.15-dev');
  });

  it('fails for a pre-release version without an Unreleased section or below a released version', () => {
    setVersion('9.9.14-dev');
    const file = join(dir, 'CHANGELOG.md');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('## [Unreleased]', '## [Upcoming]'));
    const r = check('changelog');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CHANGELOG\.md:3: "Upcoming" is not a version/);
    expect(r.stderr).toContain('pre-release version 9.9.14-dev needs a "## [Unreleased]" section');
    writeFileSync(file, text);

    setVersion('9.9.5-dev');
    const below = check('changelog');
    expect(below.status).toBe(1);
    expect(below.stderr).toMatch(
      /version 9\.9\.5-dev is not above the released 9\.9\.10 \(CHANGELOG\.md:\d+\)/,
    );
  });

  it('fails when package-lock.json has another version', () => {
    setVersion('9.9.9');
    const lockFile = join(dir, 'package-lock.json');
    const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
    lock.version = '9.9.8';
    writeFileSync(lockFile, JSON.stringify(lock));
    const r = check('changelog');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`package-lock.json: version 9.9.8 differs from package.json's 9.9.9`);
  });

  it('fails on a released section without a date or a link', () => {
    setVersion('9.9.9');
    const file = join(dir, 'CHANGELOG.md');
    const text = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      text.replace('## [9.9.9] - 2026-01-02', '## [9.9.9]').replace(/^\[9\.9\.10\]: .*$/m, ''),
    );
    const r = check('changelog');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the 9.9.9 section has no release date; write "## [9.9.9] - YYYY-MM-DD"');
    expect(r.stderr).toMatch(/CHANGELOG\.md:\d+: no link for \[9\.9\.10\]/);
  });
});
