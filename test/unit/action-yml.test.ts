import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description?: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description?: string }>;
}

const action = parse(readFileSync('action.yml', 'utf8')) as ActionYml;

describe('action.yml', () => {
  it('runs the committed bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('documents every input with a default', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description, name).toBeTruthy();
      expect(input.default, name).toBeDefined();
    }
  });

  it('has the inputs and outputs users rely on', () => {
    const inputs = Object.keys(action.inputs);
    for (const name of [
      'spec',
      'image',
      'flavor',
      'registry',
      'push',
      'force',
      'on-unknown',
      'require-public',
    ]) {
      expect(inputs).toContain(name);
    }
    expect(action.inputs.spec?.default).toBe('imagespec.yaml');
    const outputs = Object.keys(action.outputs);
    for (const name of [
      'image',
      'tag',
      'digest',
      'image-digest',
      'built',
      'existed',
      'visibility',
      'public',
    ]) {
      expect(outputs).toContain(name);
    }
    for (const output of Object.values(action.outputs)) expect(output.description).toBeTruthy();
  });
});
