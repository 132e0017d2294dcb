/**
 * Runs the committed action bundle (`node dist/index.js` on the Node.js 24 of action.yml) exactly as the GitHub
 * runner does: inputs as INPUT_* variables, outputs and the job summary through GITHUB_OUTPUT /
 * GITHUB_STEP_SUMMARY files, and the cache service double (v2) for the GitHub Actions cache.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseOutputs } from './runner-files.js';
import { run, type Testbed } from './testbed.js';

export { dockerConfigWith } from './testbed.js';

const bundle = path.resolve(import.meta.dirname, '../../dist/index.js');

export interface ActionRun {
  code: number;
  /** stdout and stderr: the step log. */
  log: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface ActionRunOptions {
  /** The workspace holding the spec file. */
  workspace: string;
  /** Where per-run runner files go. */
  root: string;
  /** Action inputs by their action.yml names. */
  inputs: Record<string, string>;
  /** More environment (e.g. DOCKER_CONFIG, GITHUB_REF_NAME). */
  env?: Record<string, string>;
}

export async function runActionBundle(tb: Testbed, opts: ActionRunOptions): Promise<ActionRun> {
  const files = await mkdtemp(path.join(opts.root, 'runner-'));
  const outputFile = path.join(files, 'output');
  const summaryFile = path.join(files, 'summary');
  await Promise.all([writeFile(outputFile, ''), writeFile(summaryFile, '')]);
  const inputs = Object.fromEntries(
    Object.entries(opts.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
  );
  const result = await run(tb.node24, [bundle], {
    cwd: opts.workspace,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // The same RUNNER_TEMP on every run, as on a hosted runner: cache versions hash paths below it.
      RUNNER_TEMP: path.join(opts.root, 'runner-temp'),
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: opts.workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REPOSITORY: 'acme/models',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: tb.cache.resultsUrl,
      ACTIONS_RUNTIME_TOKEN: tb.cache.token,
      INPUT_SPEC: 'imagespec.yaml',
      'INPUT_MOUNT-CACHE': 'false',
      ...inputs,
      ...opts.env,
    },
  });
  const [outputs, summary] = await Promise.all([readFile(outputFile, 'utf8'), readFile(summaryFile, 'utf8')]);
  return { code: result.code, log: result.stdout + result.stderr, outputs: parseOutputs(outputs), summary };
}
