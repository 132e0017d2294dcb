import { describe, expect, it } from 'vitest';
import { actionOutputs } from '../../src/report/outputs.js';
import { problemsMarkdown, summaryMarkdown } from '../../src/report/summary.js';
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
