// What publishing relies on: the release workflow's shape, the Dependabot configuration (not a workflow, so
// actionlint does not read it), the license, and version references that follow package.json's major version.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  version: string;
  license: string;
  dependencies: Record<string, string>;
};
const major = `v${pkg.version.split('.')[0]}`;

/** GitHub's filter pattern for tags: `*` matches any run of characters except `/`. */
function tagFilter(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
}

describe('the release workflow', () => {
  interface Job {
    'runs-on'?: string;
    needs?: string | string[];
    uses?: string;
    permissions?: Record<string, string>;
    outputs?: Record<string, string>;
    steps?: { id?: string; uses?: string; run?: string; if?: string; env?: Record<string, string> }[];
  }
  const wf = parse(readFileSync('.github/workflows/release.yml', 'utf8')) as {
    on: { push: { tags: string[] } };
    permissions: Record<string, string>;
    jobs: Record<string, Job>;
  };

  it('runs on pushed version tags only, not when the major tag moves', () => {
    expect(Object.keys(wf.on)).toEqual(['push']);
    expect(Object.keys(wf.on.push)).toEqual(['tags']);
    const matches = (tag: string) => wf.on.push.tags.some((p) => tagFilter(p).test(tag));
    expect(matches('v1.0.0')).toBe(true);
    expect(matches('v12.3.45')).toBe(true);
    expect(matches('v2.0.0-rc.1')).toBe(true);
    expect(matches('v1')).toBe(false);
    expect(matches('v1.2')).toBe(false);
  });

  it('checks the tag with the release script before anything is published', () => {
    const check = wf.jobs.check as Job;
    const step = check.steps?.find((s) => s.id === 'check');
    expect(step?.env?.TAG).toBe('${{ github.ref_name }}');
    expect(step?.run).toBe('node scripts/release-check.mjs tag "$TAG" --branch origin/main');
    expect(existsSync('scripts/release-check.mjs')).toBe(true);
    // npm ci runs before the check, so the build it makes uses the locked dependencies.
    const runs = check.steps?.map((s) => s.run).filter(Boolean);
    expect(runs?.indexOf('npm ci')).toBeLessThan(runs?.indexOf(step?.run) ?? -1);
    const checkout = check.steps?.find((s) => s.uses?.startsWith('actions/checkout@')) as { with?: object };
    expect(checkout.with).toMatchObject({ 'fetch-depth': 0, 'persist-credentials': false });
  });

  it('runs the CI workflow on the tagged commit', () => {
    expect(wf.jobs.test?.uses).toBe('./.github/workflows/ci.yml');
    const ci = parse(readFileSync('.github/workflows/ci.yml', 'utf8')) as { on: Record<string, unknown> };
    expect(Object.keys(ci.on)).toContain('workflow_call');
  });

  it('publishes only after both, from the only job that can write, and moves the major tag when told', () => {
    expect(wf.permissions).toEqual({ contents: 'read' });
    const writers = Object.entries(wf.jobs).filter(([, job]) =>
      Object.values(job.permissions ?? {}).includes('write'),
    );
    expect(writers.map(([name]) => name)).toEqual(['publish']);
    const publish = wf.jobs.publish as Job;
    expect(publish.permissions).toEqual({ contents: 'write' });
    expect(publish.needs).toEqual(['check', 'test']);
    expect(publish.steps?.[0]?.run).toContain('gh release create "$TAG"');
    expect(publish.steps?.[0]?.env?.NOTES).toBe('${{ needs.check.outputs.notes }}');
    const move = publish.steps?.[1];
    expect(move?.if).toBe("needs.check.outputs.move-major == 'true'");
    expect(move?.run).toContain('refs/tags/$MAJOR');
    for (const name of ['version', 'major', 'prerelease', 'move-major', 'commit', 'notes']) {
      expect(wf.jobs.check?.outputs?.[name], name).toBe(`\${{ steps.check.outputs.${name} }}`);
    }
  });
});

describe('the dist check on pull requests', () => {
  it("runs the release checks' dist comparison after npm ci", () => {
    const wf = parse(readFileSync('.github/workflows/check-dist.yml', 'utf8')) as {
      jobs: { dist: { steps: { run?: string }[] } };
    };
    const runs = wf.jobs.dist.steps.map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(['npm ci', 'node scripts/release-check.mjs dist']);
  });
});

describe('the Dependabot configuration', () => {
  const KNOWN_KEYS = new Set([
    'package-ecosystem',
    'directory',
    'directories',
    'schedule',
    'allow',
    'ignore',
    'groups',
    'commit-message',
    'open-pull-requests-limit',
    'labels',
    'assignees',
    'milestone',
    'pull-request-branch-name',
    'rebase-strategy',
    'registries',
    'target-branch',
    'vendor',
    'versioning-strategy',
    'insecure-external-code-execution',
    'exclude-paths',
    'cooldown',
  ]);
  const GROUP_KEYS = new Set([
    'patterns',
    'exclude-patterns',
    'dependency-type',
    'update-types',
    'applies-to',
  ]);
  interface Update {
    'package-ecosystem': string;
    directory?: string;
    directories?: string[];
    schedule: { interval: string };
    groups?: Record<string, Record<string, unknown> & { patterns?: string[] }>;
    [key: string]: unknown;
  }
  const config = parse(readFileSync('.github/dependabot.yml', 'utf8')) as {
    version: number;
    updates: Update[];
  };
  const byEcosystem = (name: string) => config.updates.find((u) => u['package-ecosystem'] === name);
  const dirs = (u: Update) => u.directories ?? (u.directory === undefined ? [] : [u.directory]);

  it('has the shape Dependabot reads: version 2, known keys, schedules, existing directories', () => {
    expect(config.version).toBe(2);
    expect(config.updates.length).toBeGreaterThan(0);
    for (const u of config.updates) {
      for (const key of Object.keys(u)) expect(KNOWN_KEYS, `unknown key ${key}`).toContain(key);
      expect('directory' in u !== 'directories' in u, 'exactly one of directory, directories').toBe(true);
      expect(['daily', 'weekly', 'monthly', 'quarterly', 'semiannually', 'yearly', 'cron']).toContain(
        u.schedule?.interval,
      );
      for (const d of dirs(u)) {
        expect(d).toMatch(/^\//);
        expect(statSync(`.${d}`).isDirectory(), d).toBe(true);
      }
      for (const [name, group] of Object.entries(u.groups ?? {})) {
        for (const key of Object.keys(group)) expect(GROUP_KEYS, `group ${name}: ${key}`).toContain(key);
        expect(
          Object.keys(group).some((k) => k === 'patterns' || k === 'dependency-type'),
          name,
        ).toBe(true);
      }
    }
  });

  it('updates npm packages, with every @actions/* toolkit package in one group', () => {
    const npm = byEcosystem('npm') as Update;
    expect(dirs(npm)).toEqual(['/']);
    const toolkit = Object.keys(pkg.dependencies).filter((d) => d.startsWith('@actions/'));
    expect(toolkit.length).toBeGreaterThanOrEqual(4);
    // Dependabot puts a dependency in the first group that matches it.
    const firstGroup = (dep: string) =>
      Object.entries(npm.groups ?? {}).find(([, g]) =>
        (g.patterns ?? []).some((p) =>
          new RegExp(`^${p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*')}$`).test(dep),
        ),
      )?.[0];
    const groups = new Set(toolkit.map(firstGroup));
    expect([...groups]).toHaveLength(1);
    expect([...groups][0]).toBeDefined();
    expect(firstGroup('yaml')).toBeUndefined();
  });

  it('updates the actions of every directory that holds workflows', () => {
    const actions = byEcosystem('github-actions') as Update;
    // "/" covers .github/workflows; any other directory is read as a directory of workflow files.
    const workflowDirs = ['examples/workflows'].filter((d) => readdirSync(d).some((f) => f.endsWith('.yml')));
    expect(dirs(actions)).toEqual(['/', ...workflowDirs.map((d) => `/${d}`)]);
  });
});

describe('license and version references', () => {
  it('LICENSE is the Apache License 2.0 text, unchanged, as package.json says', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const text = readFileSync('LICENSE', 'utf8');
    expect(text).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
    // The checksum of https://www.apache.org/licenses/LICENSE-2.0.txt.
    expect(createHash('md5').update(text).digest('hex')).toBe('3b83ef96387f14655fc854ddc3c6bd57');
  });

  it("every reference to this action, its workflow and its schema names package.json's major version", () => {
    const files = [
      'README.md',
      'SECURITY.md',
      ...readdirSync('docs').map((f) => `docs/${f}`),
      ...readdirSync('.github/workflows').map((f) => `.github/workflows/${f}`),
      ...readdirSync('examples/workflows').map((f) => `examples/workflows/${f}`),
    ];
    let count = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/imagespec-action\/imagespec-action(?:\/[^@\s]*)?@(v\d+)\b/g)) {
        expect(m[1], `${file}: ${m[0]}`).toBe(major);
        count++;
      }
      for (const m of text.matchAll(
        /raw\.githubusercontent\.com\/imagespec-action\/imagespec-action\/(v\d+)\//g,
      )) {
        expect(m[1], `${file}: ${m[0]}`).toBe(major);
        count++;
      }
    }
    expect(count).toBeGreaterThan(5);
  });

  it('the README shows both pinning styles and links the changelog; SECURITY.md names the supported major', () => {
    const readme = readFileSync('README.md', 'utf8');
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## The spec'));
    expect(quickStart).toContain(`uses: imagespec-action/imagespec-action@${major}\n`);
    expect(quickStart).toMatch(
      /uses: imagespec-action\/imagespec-action@<commit SHA of the release> # v\d+\.\d+\.\d+/,
    );
    expect(quickStart).toContain('[CHANGELOG.md](CHANGELOG.md)');
    const security = readFileSync('SECURITY.md', 'utf8');
    expect(security).toContain('/security/advisories/new');
    expect(security).toContain(`latest \`${major.slice(1)}.x\` release`);
  });
});
