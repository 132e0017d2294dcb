import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction } from '../../src/action.js';
import { actionOutputs } from '../../src/report/outputs.js';
import { failureMarkdown, problemsMarkdown, summaryMarkdown } from '../../src/report/summary.js';
import type { ImageReport } from '../../src/report/types.js';
import type { PlannedImage } from '../../src/spec/types.js';

function image(id: string, fields: Partial<ImageReport> = {}): ImageReport {
  return {
    id,
    repository: `ghcr.io/acme/${id}`,
    reference: `ghcr.io/acme/${id}:h${id}`,
    tag: `h${id}`,
    specHash: `h${id}`,
    platforms: ['linux/amd64'],
    existence: { state: 'missing', reason: 'HEAD 404' },
    existed: false,
    built: false,
    pushed: false,
    reason: 'exists',
    visibility: 'public',
    durationMs: 1234,
    extraTags: [],
    planned: {} as PlannedImage,
    warnings: [],
    ...fields,
  };
}

describe('action outputs', () => {
  it('show the extra tags applied: one per line for the last image, a list per image in images', () => {
    const tagged = image('app', {
      built: true,
      pushed: true,
      extraTags: ['ghcr.io/acme/app:latest', 'ghcr.io/acme/app:v1'],
    });
    const out = actionOutputs([image('base'), tagged]);
    expect(out['extra-tags']).toBe('ghcr.io/acme/app:latest\nghcr.io/acme/app:v1');
    const all = JSON.parse(out.images ?? '[]') as Array<Record<string, unknown>>;
    expect(all.map((i) => i['extra-tags'])).toEqual([[], ['ghcr.io/acme/app:latest', 'ghcr.io/acme/app:v1']]);
    const md = summaryMarkdown({ images: [image('base'), tagged], notes: [] }, () => '');
    expect(md).toContain('- `app` also tagged: `ghcr.io/acme/app:latest`, `ghcr.io/acme/app:v1`');
    expect(md).not.toContain('`base` also tagged');
  });

  it('describe the last image, with built true when any image was built', () => {
    const out = actionOutputs([
      image('base', { built: true, pushed: true, digest: 'sha256:aaa' }),
      image('app', {
        existed: true,
        existence: { state: 'exists', reason: 'HEAD 200', digest: 'sha256:bbb' },
      }),
    ]);
    expect(out.image).toBe('ghcr.io/acme/app:happ');
    expect(out.digest).toBe('sha256:bbb');
    expect(out['image-digest']).toBe('ghcr.io/acme/app@sha256:bbb');
    expect(out.built).toBe('true');
    expect(out.existed).toBe('true');
    expect(out.public).toBe('true');
    const all = JSON.parse(out.images ?? '[]') as Array<Record<string, string>>;
    expect(all.map((i) => i.id)).toEqual(['base', 'app']);
    expect(all[0]?.digest).toBe('sha256:aaa');
    expect(JSON.parse(out.metadata ?? '{}')).toEqual(all[1]);
  });

  it('carry the changes since the last build: a list, null for a first build, [] when not rebuilt', () => {
    const change = { field: 'packages', before: ['a==1'], after: ['a==2'], text: 'packages: + a==2, − a==1' };
    const out = actionOutputs([
      image('base', { built: true, changes: null }),
      image('mid'),
      image('app', { built: true, changes: [change] }),
    ]);
    expect(JSON.parse(out.changes!)).toEqual([{ field: 'packages', before: ['a==1'], after: ['a==2'] }]);
    const all = JSON.parse(out.images!) as Array<{ changes: unknown }>;
    expect(all.map((i) => i.changes)).toEqual([
      null,
      [],
      [{ field: 'packages', before: ['a==1'], after: ['a==2'] }],
    ]);
    const md = summaryMarkdown(
      {
        images: [
          image('base', { built: true, changes: null }),
          image('app', { built: true, changes: [change] }),
        ],
        notes: [],
      },
      () => '',
    );
    expect(md).toContain('### Why `base` was rebuilt\n\nfirst build: no record of an earlier build');
    expect(md).toContain('### Why `app` was rebuilt\n\n- `packages`: + a==2, − a==1');
  });

  it('leave the digest empty when there is none', () => {
    const out = actionOutputs([image('app', { built: true, pushed: false })]);
    expect(out.digest).toBe('');
    expect(out['image-digest']).toBe('');
  });
});

describe('job summary', () => {
  it('has a row per image, escapes table cells and links private images to their settings', () => {
    const md = summaryMarkdown(
      {
        images: [
          image('app', {
            reason: 'spec changed | first build',
            built: true,
            pushed: true,
            visibility: 'private',
            settingsUrl: 'https://github.com/orgs/acme/packages/container/app/settings',
          }),
        ],
        notes: ['pull request from a fork: nothing pushed'],
      },
      () => 'EXPLAIN',
    );
    expect(md).toContain('> pull request from a fork: nothing pushed');
    expect(md).toContain('built, pushed: spec changed \\| first build');
    expect(md).toContain(
      'private ([settings](https://github.com/orgs/acme/packages/container/app/settings))',
    );
    expect(md).toContain('1.2 s');
    expect(md).toContain('EXPLAIN');
  });

  it('lists spec problems with their places', () => {
    const md = problemsMarkdown([
      { file: 'imagespec.yaml', line: 3, col: 17, path: 'python_version', message: 'write "3.10"' },
    ]);
    expect(md).toContain('`imagespec.yaml:3:17` write "3.10"');
  });
});

describe('failure summary', () => {
  it('says what failed, verbatim, even with backticks or markdown in the message', () => {
    const message =
      'images.app: build failed at step [3/5] RUN make\n```\n| not a table |\nNothing was pushed.';
    const md = failureMarkdown(message);
    expect(md).toMatch(/^## imagespec\n\n\*\*The run failed:\*\*/);
    const fence = /\n(`{4,})text\n([\s\S]*?)\n\1\n/.exec(md);
    expect(fence?.[2]).toBe(message);
    expect(md).toContain('No image report was made');
  });

  it('shows the images as far as the run got when a report exists', () => {
    const report = {
      images: [image('app', { built: true, pushed: true, reason: 'tag missing', digest: 'sha256:abc' })],
      notes: [],
    };
    const md = failureMarkdown('ghcr.io/acme/app is private; require-public is set', report, () => 'INPUTS');
    expect(md).toContain('require-public is set');
    expect(md).toContain('| `ghcr.io/acme/app` | `happ` | built, pushed: tag missing | `sha256:abc` |');
    expect(md).toContain('INPUTS');
    expect(md).not.toContain('No image report was made');
    expect(md.match(/## imagespec/g)).toHaveLength(1);
  });
});

describe('action job summary on failure', () => {
  it('a failure after planning (docker missing) still writes a summary saying what failed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'imagespec-action-failure-'));
    const saved = { ...process.env };
    const savedExitCode = process.exitCode;
    try {
      await mkdir(path.join(dir, 'empty-bin'));
      await writeFile(path.join(dir, 'imagespec.yaml'), 'name: app\nbase_image: debian:bookworm-slim\n');
      await writeFile(path.join(dir, 'summary'), '');
      await writeFile(path.join(dir, 'output'), '');
      Object.assign(process.env, {
        PATH: path.join(dir, 'empty-bin'),
        GITHUB_WORKSPACE: dir,
        GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
        GITHUB_OUTPUT: path.join(dir, 'output'),
        GITHUB_EVENT_NAME: 'push',
        RUNNER_TEMP: dir,
        INPUT_SPEC: 'imagespec.yaml',
        'INPUT_MOUNT-CACHE': 'false',
        INPUT_CACHE: 'none',
      });
      await runAction();
      expect(process.exitCode).toBe(1);
      const summary = await readFile(path.join(dir, 'summary'), 'utf8');
      expect(summary).toMatch(/^## imagespec\n\n\*\*The run failed:\*\*/);
      expect(summary).toMatch(/docker/i);
      expect(summary).toContain('No image report was made');
    } finally {
      process.env = saved;
      process.exitCode = savedExitCode;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
