import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legReference, legTag, platformSlug } from '../../src/distribute/legs.js';
import {
  MAX_JOB_OUTPUTS_BYTES,
  groupLegs,
  matrixPlan,
  planOutputs,
  type CheckedImage,
  type Leg,
} from '../../src/distribute/matrix.js';
import { DEFAULT_RUNNERS, parseRunners, runnerFor } from '../../src/distribute/runners.js';
import { readInputs } from '../../src/action/inputs.js';
import { UserError } from '../../src/errors.js';
import { planTags } from '../../src/pipeline.js';
import type { RegistryCheck } from '../../src/registry/index.js';
import type { PlannedImage } from '../../src/spec/types.js';
import { writeMonorepo, type Monorepo } from '../support/monorepo.js';

const runners = parseRunners(DEFAULT_RUNNERS);
const missing: RegistryCheck = { state: 'missing', reason: 'the registry answered 404' };
const exists: RegistryCheck = { state: 'exists', reason: 'found', digest: `sha256:${'a'.repeat(64)}` };

describe('runner map', () => {
  it('maps platforms to native runners and the rest to the default runner under QEMU', () => {
    const map = parseRunners('default=big-x64, linux/arm64=arm-box\nlinux/arm/v7=pi');
    expect(runnerFor(map, 'linux/amd64')).toEqual({ runner: 'big-x64', qemu: false });
    expect(runnerFor(map, 'linux/arm64')).toEqual({ runner: 'arm-box', qemu: false });
    expect(runnerFor(map, 'linux/aarch64')).toEqual({ runner: 'arm-box', qemu: false });
    expect(runnerFor(map, 'linux/arm')).toEqual({ runner: 'pi', qemu: false });
    expect(runnerFor(map, 'linux/s390x')).toEqual({ runner: 'big-x64', qemu: true });
  });

  it('defaults to GitHub-hosted x64 and arm64 runners', () => {
    expect(runnerFor(runners, 'linux/amd64').runner).toBe('ubuntu-24.04');
    expect(runnerFor(runners, 'linux/arm64')).toEqual({ runner: 'ubuntu-24.04-arm', qemu: false });
    expect(runnerFor(parseRunners(''), 'linux/arm64')).toEqual({ runner: 'ubuntu-24.04', qemu: true });
  });

  it.each([
    ['linux/arm64', 'is not KEY=RUNNER'],
    ['arm64=box', "'arm64' is not a platform"],
    ['linux/arm64=two words', 'is not a runner label'],
    ['linux/arm64=${{ x }}', 'is not a runner label'],
    ['linux/arm64=a,linux/aarch64=b', 'linux/arm64 is given twice'],
  ])('refuses %s', (text, message) => {
    expect(() => parseRunners(text, "input 'runners'")).toThrow(UserError);
    expect(() => parseRunners(text, "input 'runners'")).toThrow(message);
  });
});

describe('leg references', () => {
  it('derive a per-platform tag from the content tag', () => {
    expect(platformSlug('linux/arm64/v8')).toBe('linux-arm64');
    expect(platformSlug('linux/arm/v7')).toBe('linux-arm-v7');
    expect(legReference({ repository: 'ghcr.io/acme/app', tag: 'abc' }, 'linux/amd64')).toBe(
      'ghcr.io/acme/app:abc-linux-amd64',
    );
  });

  it('stay valid and distinct tags when the content tag is long', () => {
    const long = 'x'.repeat(120);
    const a = legTag(long, 'linux/amd64');
    const b = legTag(`${long.slice(0, 119)}y`, 'linux/amd64');
    for (const t of [a, b]) expect(t).toMatch(/^[\w][\w.-]{0,127}$/);
    expect(a).not.toBe(b);
    expect(a.endsWith('-linux-amd64')).toBe(true);
  });
});

describe('the distributed plan of a 100-image monorepo', () => {
  let dir: string;
  let repo: Monorepo;
  let planned: PlannedImage[];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'imagespec-matrix-'));
    repo = await writeMonorepo(dir, 'registry.example/acme');
    planned = await planTags(repo.file, { flavor: 'generic', withParents: true });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Registry answers: `present` images exist; `legsPushed` have their arm64 leg from an interrupted run. */
  function checked(present: Set<string>, legsPushed: Set<string> = new Set()): CheckedImage[] {
    return planned.map((p) => ({
      planned: p,
      existence: present.has(p.spec.id) ? exists : missing,
      legs: new Map(
        present.has(p.spec.id)
          ? []
          : p.platforms.map((pl) => [pl, legsPushed.has(p.spec.id) && pl === 'linux/arm64']),
      ),
    }));
  }

  it('has one layer per dependency level and a leg per missing image and platform', () => {
    const present = new Set([...repo.layers[0]!.slice(0, 4), ...repo.layers[1]!.slice(0, 10), 'task-7']);
    const plan = matrixPlan(checked(present, new Set(['task-8'])), { runners, onUnknown: 'fail' });
    expect(plan.layers).toHaveLength(3);
    const expected = repo.layers.map((ids) => ids.filter((id) => !present.has(id)));
    expect(plan.merge).toEqual(expected);
    for (const [n, layer] of plan.layers.entries()) {
      const want = expected[n]!.flatMap((id) =>
        repo.platforms.filter((pl) => !(id === 'task-8' && pl === 'linux/arm64')).map((pl) => `${id} ${pl}`),
      );
      expect(layer.include.map((l) => `${l.image} ${l.platform}`).sort()).toEqual(want.sort());
    }
    expect(plan.legs).toBe((100 - present.size) * 2 - 1);
    const leg = plan.layers[2]!.include.find((l) => l.image === 'task-9' && l.platform === 'linux/arm64')!;
    const task9 = planned.find((p) => p.spec.id === 'task-9')!;
    expect(leg).toEqual({
      image: 'task-9',
      platform: 'linux/arm64',
      runner: 'ubuntu-24.04-arm',
      reference: task9.reference,
      push: `${task9.reference}-linux-arm64`,
      qemu: false,
    });
    const images = new Map(plan.images.map((i) => [i.image, i]));
    expect(images.get('task-7')).toMatchObject({ state: 'exists', layer: 2, build: [] });
    expect(images.get('task-8')).toMatchObject({
      state: 'build',
      build: ['linux/amd64'],
      present: ['linux/arm64'],
    });
    expect(images.get('base-0')).toMatchObject({ state: 'exists', layer: 0 });
  });

  it('plans nothing when every image exists, and only merges when every leg is pushed', () => {
    const all = new Set(planned.map((p) => p.spec.id));
    const done = matrixPlan(checked(all), { runners, onUnknown: 'fail' });
    expect(done.legs).toBe(0);
    expect(done.layers.every((l) => l.include.length === 0)).toBe(true);
    expect(done.merge.flat()).toEqual([]);
    const outputs = planOutputs(done, 4);
    expect([0, 1, 2, 3].map((n) => outputs[`legs-${n}`])).toEqual(['0', '0', '0', '0']);
    expect(outputs['pending']).toBe('');

    const pushedLegs = matrixPlan(
      planned.map((p) => ({
        planned: p,
        existence: missing,
        legs: new Map(p.platforms.map((pl) => [pl, true])),
      })),
      { runners, onUnknown: 'fail' },
    );
    expect(pushedLegs.legs).toBe(0);
    expect(pushedLegs.merge.flat()).toHaveLength(100);
    expect(new Set(pushedLegs.images.map((i) => i.state))).toEqual(new Set(['merge']));
  });

  it('fails when the images build on each other deeper than the workflow runs, naming the limit', () => {
    const run = () => matrixPlan(checked(new Set()), { runners, onUnknown: 'fail', maxLayers: 2 });
    expect(run).toThrow(UserError);
    expect(run).toThrow(
      /3 layers deep \(base-\d+ → service-\d+ → task-\d+\).*at most 2 layers \(max-layers: 2\)/,
    );
    expect(matrixPlan(checked(new Set()), { runners, onUnknown: 'fail', maxLayers: 3 }).layers).toHaveLength(
      3,
    );
  });

  it('exposes each layer as job outputs within GitHub limits', () => {
    const plan = matrixPlan(checked(new Set()), { runners, onUnknown: 'fail', maxLayers: 4 });
    const outputs = planOutputs(plan, 4);
    expect(outputs['legs']).toBe('200');
    expect(outputs['layers']).toBe('3');
    expect(JSON.parse(outputs['layer-0']!)).toEqual(plan.layers[0]);
    expect(outputs['legs-2']).toBe('120');
    expect(outputs['layer-3']).toBe('{"include":[]}');
    expect(outputs['legs-3']).toBe('0');
    expect(outputs['merge-1']).toBe(repo.layers[1]!.join(','));
    expect(outputs['pending']!.split(',')).toHaveLength(100);
    expect(JSON.parse(outputs['matrix']!)).toEqual(JSON.parse(JSON.stringify(plan)));
    const size = Object.entries(outputs).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(size).toBeLessThan(MAX_JOB_OUTPUTS_BYTES);
  });
});

describe('plan decisions', () => {
  function image(id: string, parent?: string, registry: string | null = 'r.example/acme'): PlannedImage {
    const repository = registry ? `${registry}/${id}` : id;
    return {
      spec: { id, ...(parent ? { base_image_of: parent } : {}) } as PlannedImage['spec'],
      flavor: 'generic',
      specHash: `h${id}`,
      tag: `t${id}`,
      ...(registry ? { registry } : {}),
      repository,
      reference: `${repository}:t${id}`,
      platforms: ['linux/amd64', 'linux/arm64'],
      inputs: [],
    };
  }
  const one = (p: PlannedImage, existence: RegistryCheck): CheckedImage => ({
    planned: p,
    existence,
    legs: new Map(),
  });

  it('follows on-unknown for an unanswered tag', () => {
    const unknown: RegistryCheck = { state: 'unknown', cause: 'auth', reason: '401 without credentials' };
    expect(() => matrixPlan([one(image('a'), unknown)], { runners, onUnknown: 'fail' })).toThrow(
      /Cannot tell whether r.example\/acme\/a:ta exists: 401 without credentials/,
    );
    const built = matrixPlan([one(image('a'), unknown)], { runners, onUnknown: 'build' });
    expect(built.legs).toBe(2);
    expect(built.warnings[0]).toMatch(/building it because on-unknown is 'build'/);
    expect(matrixPlan([one(image('a'), unknown)], { runners, onUnknown: 'skip' }).legs).toBe(0);
  });

  it('refuses to complete a content tag that exists without some platforms, and images without a registry', () => {
    const partial: RegistryCheck = {
      state: 'missing',
      reason: 'lacks linux/arm64',
      digest: `sha256:${'b'.repeat(64)}`,
      missingPlatforms: ['linux/arm64'],
    };
    expect(() => matrixPlan([one(image('a'), partial)], { runners, onUnknown: 'fail' })).toThrow(
      /exists but lacks linux\/arm64; a distributed build never overwrites a content tag/,
    );
    expect(() =>
      matrixPlan([one(image('a', undefined, null), missing)], { runners, onUnknown: 'fail' }),
    ).toThrow(/images.a: no registry is set/);
  });

  it('puts a child after its parent even when only the child is missing', () => {
    const plan = matrixPlan([one(image('a'), exists), one(image('b', 'a'), missing)], {
      runners,
      onUnknown: 'fail',
    });
    expect(plan.layers[0]!.include).toEqual([]);
    expect(plan.layers[1]!.include.map((l) => l.image)).toEqual(['b', 'b']);
    expect(plan.merge).toEqual([[], ['b']]);
  });
});

describe('matrix grouping', () => {
  const legs = (n: number, platform: string): Leg[] =>
    Array.from({ length: n }, (_, i) => ({
      image: `i${i}`,
      platform,
      runner: platform === 'linux/arm64' ? 'arm' : 'x64',
      reference: `r/i${i}:t`,
      push: `r/i${i}:t-${platform.replace('/', '-')}`,
      qemu: false,
    }));

  it('keeps one leg per job up to 256 jobs', () => {
    expect(groupLegs(legs(256, 'linux/amd64'))).toHaveLength(256);
  });

  it('groups legs of one platform into at most 256 jobs, every leg once', () => {
    const all = [...legs(400, 'linux/amd64'), ...legs(301, 'linux/arm64')];
    const jobs = groupLegs(all);
    expect(jobs.length).toBeLessThanOrEqual(256);
    const flat = jobs.flatMap((j) => {
      const images = j.image.split(',');
      const refs = j.reference.split(',');
      const pushes = j.push.split(',');
      expect(refs).toHaveLength(images.length);
      expect(pushes).toHaveLength(images.length);
      return images.map((image, k) => ({ image, platform: j.platform, runner: j.runner, push: pushes[k] }));
    });
    expect(flat).toHaveLength(all.length);
    expect(new Set(flat.map((l) => `${l.image} ${l.platform}`)).size).toBe(all.length);
    for (const l of flat) expect(l.push).toBe(`r/${l.image}:t-${l.platform.replace('/', '-')}`);
    for (const l of flat) expect(l.runner).toBe(l.platform === 'linux/arm64' ? 'arm' : 'x64');
  });

  it('refuses job outputs over 1 MB with the limit in the message', () => {
    const many = legs(20000, 'linux/amd64');
    const plan = { layers: [{ include: many }], merge: [[]], legs: many.length, images: [], warnings: [] };
    expect(() => planOutputs(plan)).toThrow(/GitHub keeps at most 1048576 bytes \(1 MB\) per job/);
  });
});

describe('action inputs of the distributed modes', () => {
  const read = (values: Record<string, string>) => readInputs((name) => values[name] ?? '');

  it('default to one job doing everything', () => {
    const inputs = read({});
    expect(inputs.mode).toBe('all');
    expect(runnerFor(inputs.runners, 'linux/arm64').runner).toBe('ubuntu-24.04-arm');
    expect(inputs.maxLayers).toBeUndefined();
  });

  it('read a leg: several images (a grouped matrix job) for one platform', () => {
    const inputs = read({ mode: 'build', image: 'a,b', platform: 'linux/arm64' });
    expect(inputs.images).toEqual(['a', 'b']);
    expect(inputs.platform).toBe('linux/arm64');
  });

  it.each([
    [{ mode: 'legs' }, "input 'mode' is 'legs'; use one of: all, plan, build, merge"],
    [{ mode: 'build', image: 'a' }, "mode 'build' builds one leg: set 'image' and 'platform'"],
    [{ mode: 'build', image: 'a', platform: 'linux/amd64,linux/arm64' }, 'write one platform'],
    [{ mode: 'plan', 'max-layers': '0' }, "input 'max-layers' is '0'"],
    [{ mode: 'plan', runners: 'arm64' }, "input 'runners': 'arm64' is not KEY=RUNNER"],
  ])('refuse %j', (values, message) => {
    expect(() => read(values)).toThrow(message);
  });
});
