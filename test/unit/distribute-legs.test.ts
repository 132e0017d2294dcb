import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canAttest, canExportCache, canMultiPlatform } from '../../src/build/builder.js';
import { selectLegImages } from '../../src/distribute/leg.js';
import { main } from '../../src/cli.js';
import { UserError } from '../../src/errors.js';
import { planTags } from '../../src/pipeline.js';
import { actionOutputs } from '../../src/report/outputs.js';
import type { ImageReport } from '../../src/report/types.js';
import type { PlannedImage } from '../../src/spec/types.js';
import { writeMonorepo } from '../support/monorepo.js';

let dir: string;
let planned: PlannedImage[];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-legs-'));
  const repo = await writeMonorepo(dir, 'registry.example/acme', { bases: 1, services: 1, tasks: 2 });
  planned = await planTags(repo.file, { flavor: 'generic' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a leg', () => {
  it('builds each named image for one platform under its leg tag, with its content tag and parent kept', () => {
    const legs = selectLegImages(planned, ['task-1', 'service-0'], 'linux/aarch64');
    expect(legs.map((l) => l.spec.id)).toEqual(['service-0', 'task-1']);
    const task = planned.find((p) => p.spec.id === 'task-1')!;
    const leg = legs[1]!;
    expect(leg.platforms).toEqual(['linux/arm64']);
    expect(leg.reference).toBe(`${task.reference}-linux-arm64`);
    expect(leg.tag).toBe(task.tag);
    expect(leg.baseReference).toBe(planned.find((p) => p.spec.id === 'service-0')!.reference);
  });

  it('refuses an image the file lacks and a platform the image lacks', () => {
    expect(() => selectLegImages(planned, ['task-9'], 'linux/amd64')).toThrow(
      /image task-9: no such image in the spec file; it has: base-0, service-0, task-0, task-1/,
    );
    expect(() => selectLegImages(planned, ['task-0'], 'linux/s390x')).toThrow(UserError);
    expect(() => selectLegImages(planned, ['task-0'], 'linux/s390x')).toThrow(
      /images.task-0: linux\/s390x is not one of its platforms \(linux\/amd64, linux\/arm64\)/,
    );
  });

  it('needs --image with --platform on the command line', async () => {
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => errors.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      expect(await main(['build', '--platform', 'linux/arm64', path.join(dir, 'imagespec.yaml')])).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toMatch(/--platform builds one leg: give --image too/);
  });
});

describe('merged outputs', () => {
  it('carry each platform digest in the images JSON', () => {
    const p = planned[0]!;
    const report: ImageReport = {
      id: p.spec.id,
      repository: p.repository,
      reference: p.reference,
      tag: p.tag,
      specHash: p.specHash,
      platforms: p.platforms,
      existence: { state: 'missing', reason: '404' },
      existed: false,
      built: true,
      pushed: true,
      reason: 'merged',
      digest: 'sha256:1',
      platformDigests: { 'linux/amd64': 'sha256:2', 'linux/arm64': 'sha256:3' },
      visibility: 'unknown',
      durationMs: 0,
      extraTags: [],
      planned: p,
      warnings: [],
    };
    const outputs = actionOutputs([report]);
    expect(outputs['built']).toBe('true');
    expect(JSON.parse(outputs['images']!)[0]['platform-digests']).toEqual({
      'linux/amd64': 'sha256:2',
      'linux/arm64': 'sha256:3',
    });
  });
});

describe('builders docker/setup-buildx-action creates for remote BuildKit', () => {
  it.each(['remote', 'kubernetes', 'cloud'])(
    '%s: exports caches, attests and builds several platforms',
    (driver) => {
      const b = { name: 'remote-builder', driver, platforms: ['linux/amd64', 'linux/arm64'] };
      expect([canExportCache(b), canAttest(b), canMultiPlatform(b)]).toEqual([true, true, true]);
    },
  );

  it('unlike the docker driver on the classic store', () => {
    const b = { name: 'default', driver: 'docker', containerdStore: false, platforms: ['linux/amd64'] };
    expect([canExportCache(b), canAttest(b), canMultiPlatform(b)]).toEqual([false, false, false]);
  });
});
