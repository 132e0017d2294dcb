import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkWorkflow } from '../../scripts/workflow-policy.mjs';

const files = ['.github/workflows', 'examples/workflows'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => `${dir}/${f}`),
);

describe('workflow files', () => {
  it('are found', () => {
    expect(files).toContain('.github/workflows/imagespec.yml');
    expect(files).toContain('.github/workflows/release.yml');
    expect(files.filter((f) => f.startsWith('examples/')).length).toBeGreaterThanOrEqual(7);
  });

  for (const file of files) {
    it(`${file} follows the hardening rules (permissions, SHA pins, no \${{ }} in run:)`, () => {
      expect(checkWorkflow(readFileSync(file, 'utf8'), file)).toEqual([]);
    });
  }

  it('the reusable workflow exposes every action output', () => {
    const wf = parse(readFileSync('.github/workflows/imagespec.yml', 'utf8')) as {
      on: { workflow_call: { outputs: Record<string, { value: string }> } };
      jobs: { build: { outputs: Record<string, string> }; merge: { outputs: Record<string, string> } };
    };
    const action = parse(readFileSync('action.yml', 'utf8')) as { outputs: Record<string, unknown> };
    const outputs = wf.on.workflow_call.outputs;
    const planOnly = /^(matrix|legs|layers|pending|(layer|legs|merge)-\d+)$/;
    for (const name of Object.keys(action.outputs).filter((n) => !planOnly.test(n))) {
      // The single job's, or with distribute the final merge job's (see workflow-distribute.test.ts).
      expect(outputs[name]?.value, name).toBe(
        `\${{ jobs.build.outputs.${name} || jobs.merge.outputs.${name} }}`,
      );
      expect(wf.jobs.build.outputs[name], name).toBe(`\${{ steps.imagespec.outputs.${name} }}`);
      expect(wf.jobs.merge.outputs[name], name).toBe(`\${{ steps.imagespec.outputs.${name} }}`);
    }
  });
});

// The rules must catch what they are for: each deliberately bad fixture gives exactly these problems.
describe('the hardening rules on deliberately bad workflows', () => {
  const problems = (name: string) =>
    checkWorkflow(readFileSync(`test/fixtures/workflows/${name}`, 'utf8'), name).map(
      (p) => `${p.line}:${p.column} ${p.rule} ${p.message}`,
    );

  it('accept every allowed form: SHA with version comment, ./ local, docker digest, own major tag, env values', () => {
    expect(problems('good.yml')).toEqual([]);
  });

  it('refuse actions and reusable workflows not pinned to a full commit SHA', () => {
    expect(problems('bad-unpinned.yml')).toEqual([
      '10:15 pin actions/checkout@v4 is not pinned to a full commit SHA; write actions/checkout@<40-hex commit SHA> # <version tag>',
      '11:15 pin docker/setup-buildx-action@b5ca514318bd6ebac0fb2aedd5d36ec1b5c232a2 has no version comment; add "# vX.Y.Z" naming the release that commit is',
      '12:15 pin actions/setup-node@49933ea is not pinned to a full commit SHA; write actions/setup-node@<40-hex commit SHA> # <version tag>',
      '13:15 pin docker://alpine:3.20 is not pinned by digest; write docker://IMAGE@sha256:<digest>',
      '14:15 pin imagespec-action/imagespec-action@main is not pinned to a full commit SHA; write imagespec-action/imagespec-action@<40-hex commit SHA> # <version tag>',
      '16:11 pin octo-org/shared/.github/workflows/build.yml@main is not pinned to a full commit SHA; write octo-org/shared/.github/workflows/build.yml@<40-hex commit SHA> # <version tag>',
    ]);
  });

  it('refuse ${{ }} inside run: and github-script scripts, pointing at the expression', () => {
    const advice =
      'is pasted into the script before it runs; set it in env: (NAME: ${{ … }}) and read "$NAME"';
    expect(problems('bad-run-expression.yml')).toEqual([
      `10:27 run-expression \${{ }} inside run: ${advice}`,
      `14:18 run-expression \${{ }} inside run: ${advice}`,
      `18:26 run-expression \${{ }} inside an actions/github-script script: ${advice}`,
    ]);
  });

  it('refuse a workflow without top-level permissions, and write-all anywhere', () => {
    expect(problems('bad-no-permissions.yml')).toEqual([
      '2:1 permissions no top-level permissions: block; add `permissions: { contents: read }` and grant more only in the jobs that need it',
      '7:18 permissions permissions: write-all grants every scope; list only the scopes needed',
    ]);
  });

  it('make npm run lint fail on an unpinned action, naming file, line and column', () => {
    const file = 'test/fixtures/workflows/bad-unpinned.yml';
    const r = spawnSync(process.execPath, ['scripts/lint-workflows.mjs', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`FAIL ${file}`);
    expect(r.stdout).toContain(`${file}:10:15: actions/checkout@v4 is not pinned to a full commit SHA`);
    expect(r.stderr).toContain('1 workflow file(s) failed actionlint or the hardening rules');
  });

  it('make npm run lint fail on what actionlint finds, and pass a valid hardened workflow', () => {
    const bad = 'test/fixtures/workflows/bad-actionlint.yml';
    const good = 'test/fixtures/workflows/good.yml';
    const r = spawnSync(process.execPath, ['scripts/lint-workflows.mjs', good, bad], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`ok   ${good}\nFAIL ${bad}\n`);
    expect(r.stdout).toMatch(new RegExp(`${bad}:11:\\d+: property "nope" is not defined .*\\[expression\\]`));
  });
});
