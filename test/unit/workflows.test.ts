import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const files = ['.github/workflows', 'examples/workflows'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => `${dir}/${f}`),
);

interface Step {
  uses?: string;
  run?: string;
}
interface Job {
  steps?: Step[];
  uses?: string;
}
interface Workflow {
  permissions?: unknown;
  jobs: Record<string, Job>;
}

function load(file: string): Workflow {
  return parse(readFileSync(file, 'utf8')) as Workflow;
}

describe('workflow files', () => {
  it('are found', () => {
    expect(files).toContain('.github/workflows/imagespec.yml');
    expect(files.filter((f) => f.startsWith('examples/')).length).toBeGreaterThanOrEqual(7);
  });

  for (const file of files) {
    describe(file, () => {
      const wf = load(file);
      const steps = Object.values(wf.jobs).flatMap((job) => job.steps ?? []);

      it('declares least-privilege permissions at the top level', () => {
        expect(wf.permissions).toBeDefined();
        expect(wf.permissions).not.toBe('write-all');
      });

      it('pins every third-party action by commit SHA', () => {
        const uses = [...steps.map((s) => s.uses), ...Object.values(wf.jobs).map((j) => j.uses)].filter(
          (u): u is string => typeof u === 'string',
        );
        for (const ref of uses) {
          if (ref.startsWith('imagespec-action/imagespec-action')) continue;
          expect(ref, `${file}: ${ref}`).toMatch(/@[0-9a-f]{40}$/);
        }
      });

      it('never expands ${{ }} inside run: scripts', () => {
        for (const step of steps) {
          if (step.run !== undefined) expect(step.run, `${file}`).not.toContain('${{');
        }
      });
    });
  }

  it('the reusable workflow exposes every action output', () => {
    const wf = parse(readFileSync('.github/workflows/imagespec.yml', 'utf8')) as {
      on: { workflow_call: { outputs: Record<string, { value: string }> } };
      jobs: { build: { outputs: Record<string, string> } };
    };
    const action = parse(readFileSync('action.yml', 'utf8')) as { outputs: Record<string, unknown> };
    const outputs = wf.on.workflow_call.outputs;
    for (const name of Object.keys(action.outputs)) {
      expect(outputs[name]?.value, name).toBe(`\${{ jobs.build.outputs.${name} }}`);
      expect(wf.jobs.build.outputs[name], name).toBe(`\${{ steps.imagespec.outputs.${name} }}`);
    }
  });
});
