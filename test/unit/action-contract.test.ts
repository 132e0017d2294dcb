/**
 * action.yml is the action's contract: every input it declares is read by `readInputs` and nothing else is
 * read; every output it declares is set by the action (`actionOutputs`, or `planOutputs` in `mode: plan`) and
 * nothing undeclared is set.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readInputs } from '../../src/action/inputs.js';
import { planOutputs, type MatrixPlan } from '../../src/distribute/matrix.js';
import { actionOutputs } from '../../src/report/outputs.js';
import type { ImageReport } from '../../src/report/types.js';
import type { PlannedImage } from '../../src/spec/types.js';

interface ActionYml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
}
const action = parse(readFileSync('action.yml', 'utf8')) as ActionYml;
const declaredInputs = Object.keys(action.inputs).sort();
const declaredOutputs = Object.keys(action.outputs).sort();

const report: ImageReport = {
  id: 'app',
  repository: 'ghcr.io/acme/app',
  reference: 'ghcr.io/acme/app:h',
  tag: 'h',
  specHash: 'h',
  platforms: ['linux/amd64'],
  existence: { state: 'missing', reason: 'HEAD 404' },
  existed: false,
  built: true,
  pushed: true,
  digest: 'sha256:aa',
  reason: 'missing',
  visibility: 'public',
  durationMs: 1,
  extraTags: ['ghcr.io/acme/app:latest'],
  planned: {} as PlannedImage,
  warnings: [],
  changes: null,
};

describe('action.yml and the code agree', () => {
  it('every declared input is read, and only declared inputs are read', () => {
    const read = new Set<string>();
    readInputs((name) => {
      read.add(name);
      return name === 'github-token' ? '' : (action.inputs[name]?.default ?? '');
    });
    expect([...read].sort()).toEqual(declaredInputs);
  });

  it('every output set is declared, and every declared output is set', () => {
    const run = Object.keys(actionOutputs([report]));
    const plan: MatrixPlan = { layers: [], merge: [], legs: 0, images: [], warnings: [] };
    const layers = declaredOutputs.filter((o) => /^layer-\d+$/.test(o)).length;
    const planned = Object.keys(planOutputs(plan, layers));
    for (const name of [...run, ...planned]) expect(declaredOutputs, name).toContain(name);
    expect([...new Set([...run, ...planned])].sort()).toEqual(declaredOutputs);
  });
});
