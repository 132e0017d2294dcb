/**
 * The reusable workflow's distributed path, read from its YAML and checked against what the action really emits:
 * the plan job exposes the outputs `planOutputs` sets, each layer's matrix comes from its own output and its
 * legs carry the fields the jobs read, layers and merges follow each other, and the number of layers equals
 * the plan's max-layers. (test/e2e/workflow-distribute.test.ts runs the same wiring with GitHub's evaluator.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { matrixPlan, planOutputs, type Leg } from '../../src/distribute/matrix.js';
import { parseRunners } from '../../src/distribute/runners.js';
import type { PlannedImage } from '../../src/spec/types.js';
import { expand } from '../support/workflow-runner.js';

const truthy = (v: unknown): boolean =>
  !(v === false || v === null || v === 0 || v === '' || v === undefined);

interface Step {
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  'runs-on'?: string;
  strategy?: { matrix?: string; 'fail-fast'?: boolean };
  outputs?: Record<string, string>;
  steps: Step[];
}
const wf = parse(readFileSync('.github/workflows/imagespec.yml', 'utf8')) as {
  on: { workflow_call: { inputs: Record<string, { default?: unknown }> } };
  jobs: Record<string, Job>;
};
const jobs = wf.jobs;
const needs = (job: Job): string[] => (job.needs === undefined ? [] : [job.needs].flat());
const ours = (job: Job): Step =>
  job.steps.find((s) => s.uses?.startsWith('imagespec-action/imagespec-action@'))!;
const layerJobs = Object.keys(jobs).filter((name) => /^layer-\d+$/.test(name));
const LAYERS = layerJobs.length;

/** A real plan of one image for two platforms, for the names the action emits. */
function realPlan() {
  const planned = {
    spec: { id: 'app' },
    flavor: 'generic',
    specHash: 'h',
    tag: 't',
    registry: 'r.example',
    repository: 'r.example/app',
    reference: 'r.example/app:t',
    platforms: ['linux/amd64', 'linux/s390x'],
    inputs: [],
  } as unknown as PlannedImage;
  return matrixPlan([{ planned, existence: { state: 'missing', reason: '404' }, legs: new Map() }], {
    runners: parseRunners(''),
    onUnknown: 'fail',
    maxLayers: LAYERS,
  });
}

describe('the reusable workflow with distribute: true', () => {
  it('runs as many layers as the plan allows, each followed by its merge', () => {
    expect(LAYERS).toBeGreaterThanOrEqual(3);
    expect(layerJobs).toEqual(Array.from({ length: LAYERS }, (_, n) => `layer-${n}`));
    expect(ours(jobs['plan']!).with?.['max-layers']).toBe(LAYERS);
    for (let n = 0; n < LAYERS; n++) {
      expect(needs(jobs[`layer-${n}`]!)).toEqual(n === 0 ? ['plan'] : ['plan', `merge-${n - 1}`]);
      expect(needs(jobs[`merge-${n}`]!)).toEqual(['plan', `layer-${n}`]);
    }
    expect(needs(jobs['merge']!)).toEqual(['plan', `merge-${LAYERS - 1}`]);
  });

  it('reads every plan output the action sets, and only those', () => {
    const emitted = Object.keys(planOutputs(realPlan(), LAYERS));
    const plan = jobs['plan']!;
    expect(ours(plan).id).toBe('plan');
    expect(ours(plan).with?.['mode']).toBe('plan');
    for (const [name, value] of Object.entries(plan.outputs ?? {})) {
      expect(value).toBe(`\${{ steps.plan.outputs.${name} }}`);
      expect(emitted).toContain(name);
    }
    for (let n = 0; n < LAYERS; n++) {
      for (const k of ['layer', 'legs', 'merge'])
        expect(Object.keys(plan.outputs ?? {})).toContain(`${k}-${n}`);
    }
    expect(Object.keys(plan.outputs ?? {})).toContain('pending');
  });

  it('builds each layer from its own matrix, skips an empty one, and keeps going after a skipped one', () => {
    const leg: Leg = realPlan().layers[0]!.include[1]!;
    const fields = Object.keys(leg);
    for (let n = 0; n < LAYERS; n++) {
      const job = jobs[`layer-${n}`]!;
      expect(job.strategy?.matrix).toBe(`\${{ fromJSON(needs.plan.outputs.layer-${n}) }}`);
      expect(job.strategy?.['fail-fast']).toBe(false);
      expect(job.if).toContain(`needs.plan.outputs.legs-${n} != '0'`);
      if (n > 0) expect(job.if).toMatch(/^\$\{\{ !cancelled\(\) && !failure\(\) && /);
      expect(job['runs-on']).toBe('${{ matrix.runner }}');
      const qemu = job.steps.find((s) => s.uses?.startsWith('docker/setup-qemu-action@'))!;
      expect(qemu.if).toBe('matrix.qemu');
      const step = ours(job);
      expect(step.with).toMatchObject({
        mode: 'build',
        image: '${{ matrix.image }}',
        platform: '${{ matrix.platform }}',
      });
      const read = JSON.stringify(job).match(/matrix\.([a-z-]+)/g) ?? [];
      for (const m of read) expect(fields).toContain(m.slice('matrix.'.length));
      const merge = jobs[`merge-${n}`]!;
      expect(merge.if).toBe(`\${{ !cancelled() && !failure() && needs.plan.outputs.merge-${n} != '' }}`);
      expect(ours(merge).with).toMatchObject({
        mode: 'merge',
        image: `\${{ needs.plan.outputs.merge-${n} }}`,
      });
    }
    expect(leg.qemu).toBe(true);
  });

  it('ends with a merge of every image that reports what the plan found missing', () => {
    const merge = jobs['merge']!;
    expect(merge.if).toBe("${{ !cancelled() && !failure() && needs.plan.result == 'success' }}");
    expect(ours(merge).with).toMatchObject({ mode: 'merge', pending: '${{ needs.plan.outputs.pending }}' });
    expect(wf.on.workflow_call.inputs['distribute']?.default).toBe(false);
  });

  it('runs one job instead when distribute is off, and for pull requests from forks (which cannot push)', () => {
    const pr = (head: string) => ({ pull_request: { head: { repo: { full_name: head } } } });
    const cases: Array<[boolean, Record<string, unknown>, 'build' | 'plan']> = [
      [false, {}, 'build'],
      [true, {}, 'plan'],
      [true, pr('acme/models'), 'plan'],
      [true, pr('someone/models'), 'build'],
      [false, pr('someone/models'), 'build'],
    ];
    for (const [distribute, event, path] of cases) {
      const ctx = { inputs: { distribute }, github: { repository: 'acme/models', event } };
      const status = { success: true };
      const build = truthy(expand(jobs['build']!.if, ctx, status));
      const plan = truthy(expand(jobs['plan']!.if, ctx, status));
      expect([build, plan], JSON.stringify([distribute, event])).toEqual([path === 'build', path === 'plan']);
    }
  });

  it('passes the same spec settings to every step, so every job computes the same tags', () => {
    const shared = ['spec', 'flavor', 'registry', 'platforms', 'push', 'username', 'password'];
    const steps = Object.values(jobs).map(ours);
    for (const key of shared) {
      const values = new Set(steps.map((s) => s.with?.[key]));
      expect(values.size, key).toBe(1);
    }
  });
});
