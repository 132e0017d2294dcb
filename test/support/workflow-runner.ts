/**
 * Runs a reusable workflow's logic offline the way GitHub does: jobs in `needs` order, `if:` conditions and
 * `${{ }}` values evaluated by GitHub's own expression implementation (@actions/expressions, with the status
 * functions success(), failure(), cancelled() and always() over the jobs run so far), matrices expanded from
 * earlier jobs' outputs, job and workflow outputs evaluated from step outputs. Steps of this repository's
 * action are handed to `runAction` (the test runs the committed bundle under the runner's file contract);
 * third-party setup actions (checkout, QEMU, buildx) are skipped: the testbed machine already has what they set up.
 */
import { readFileSync } from 'node:fs';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { parse } from 'yaml';

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };
interface Step {
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  'runs-on'?: string;
  strategy?: { matrix?: string | Record<string, unknown> };
  outputs?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: {
    workflow_call: {
      inputs?: Record<string, { type?: string; default?: unknown }>;
      outputs?: Record<string, { value: string }>;
    };
  };
  jobs: Record<string, Job>;
}

export type JobResult = 'success' | 'failure' | 'skipped';

export interface LegRun {
  matrix: Record<string, Value>;
  runner: string;
  /** The inputs this repository's action received (evaluated `with:`). */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  result: 'success' | 'failure';
}

export interface JobRun {
  result: JobResult;
  outputs: Record<string, string>;
  legs: LegRun[];
}

export interface WorkflowRun {
  jobs: Record<string, JobRun>;
  outputs: Record<string, string>;
  /** Job names in the order they ran (skipped ones included). */
  order: string[];
}

export interface ActionResult {
  code: number;
  outputs: Record<string, string>;
}

export interface RunWorkflowOptions {
  inputs: Record<string, string | boolean | number>;
  secrets?: Record<string, string>;
  /** Runs one step of this repository's action with its evaluated inputs. */
  runAction: (
    inputs: Record<string, string>,
    where: { job: string; matrix: Record<string, Value> },
  ) => Promise<ActionResult>;
  /** A leg whose runner is lost before the step finishes: the leg fails without running the action. */
  loseLeg?: (job: string, matrix: Record<string, Value>) => boolean;
  /** Which uses: prefix is this repository's action. */
  action?: string;
}

const STATUS = ['success', 'failure', 'cancelled', 'always'];
const CONTEXTS = ['inputs', 'secrets', 'needs', 'matrix', 'steps', 'jobs', 'github', 'runner', 'env', 'vars'];

/** Evaluates one expression (without `${{ }}`) against plain JSON contexts. */
export function evaluate(
  expression: string,
  contexts: Record<string, unknown>,
  status: Record<string, boolean> = {},
): Value {
  const lexed = new Lexer(expression).lex();
  const funcs = STATUS.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
  const expr = new Parser(lexed.tokens, CONTEXTS, funcs).parse();
  const ctx = JSON.parse(
    JSON.stringify({ ...Object.fromEntries(CONTEXTS.map((c) => [c, {}])), ...contexts }),
    data.reviver,
  ) as data.Dictionary;
  const defs = new Map(
    STATUS.map((name) => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status[name] ?? false) },
    ]),
  );
  const result = new Evaluator(expr, ctx, defs).evaluate();
  return JSON.parse(JSON.stringify(result, data.replacer)) as Value;
}

const TEMPLATE = /\$\{\{([\s\S]*?)\}\}/g;

/** A workflow value: `${{ x }}` alone keeps x's type; text with templates becomes a string, as GitHub does. */
export function expand(
  value: unknown,
  contexts: Record<string, unknown>,
  status?: Record<string, boolean>,
): Value {
  if (typeof value !== 'string') return value as Value;
  const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(value);
  if (whole) return evaluate(whole[1]!, contexts, status);
  return value.replace(TEMPLATE, (_, e: string) => asString(evaluate(e, contexts, status)));
}

/** How GitHub turns an expression result into an input or output string. */
export function asString(v: Value): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, null, 2);
}

function truthy(v: Value): boolean {
  return !(v === false || v === null || v === 0 || v === '' || v === undefined);
}

/** `if:` as GitHub reads it: `${{ }}` optional; without a status function it means `success() && (…)`. */
function condition(
  text: string | undefined,
  contexts: Record<string, unknown>,
  status: Record<string, boolean>,
): boolean {
  if (text === undefined) return status['success']!;
  const bare = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text)?.[1] ?? text;
  const usesStatus = /\b(success|failure|cancelled|always)\s*\(/i.test(bare);
  const value = truthy(evaluate(bare, contexts, status));
  return usesStatus ? value : status['success']! && value;
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : [job.needs].flat();
}

/** Jobs in an order where every job comes after the jobs it needs (file order otherwise). */
function ordered(jobs: Record<string, Job>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const n of needsOf(jobs[name]!)) visit(n);
    out.push(name);
  };
  for (const name of Object.keys(jobs)) visit(name);
  return out;
}

export async function runWorkflow(file: string, opts: RunWorkflowOptions): Promise<WorkflowRun> {
  const wf = parse(readFileSync(file, 'utf8')) as Workflow;
  const action = opts.action ?? 'imagespec-action/imagespec-action@';
  const inputs: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(wf.on.workflow_call.inputs ?? {}))
    inputs[name] = spec.default ?? '';
  Object.assign(inputs, opts.inputs);
  const secrets = opts.secrets ?? {};
  const runs: Record<string, JobRun> = {};
  const order = ordered(wf.jobs);
  const ancestors = (name: string): string[] => {
    const direct = needsOf(wf.jobs[name]!);
    return [...new Set([...direct, ...direct.flatMap(ancestors)])];
  };

  for (const name of order) {
    const job = wf.jobs[name]!;
    const needs = Object.fromEntries(
      needsOf(job).map((n) => [n, { result: runs[n]!.result, outputs: runs[n]!.outputs }]),
    );
    const status = {
      success: needsOf(job).every((n) => runs[n]!.result === 'success'),
      failure: ancestors(name).some((n) => runs[n]!.result === 'failure'),
      cancelled: false,
      always: true,
    };
    const base = { inputs, secrets, needs, github: { repository: 'acme/models' } };
    if (!condition(job.if, base, status)) {
      runs[name] = { result: 'skipped', outputs: {}, legs: [] };
      continue;
    }
    let matrices: Array<Record<string, Value>> = [{}];
    if (job.strategy?.matrix !== undefined) {
      const m = expand(job.strategy.matrix, base) as { include?: Array<Record<string, Value>> } | null;
      const keys = Object.keys(m ?? {}).filter((k) => k !== 'include');
      if (keys.length > 0)
        throw new Error(`${name}: matrix vectors ${keys.join(', ')} are not supported here`);
      if (!m?.include || m.include.length === 0) {
        throw new Error(
          `${name}: Matrix vector 'include' does not contain any values (GitHub fails the run)`,
        );
      }
      if (m.include.length > 256) throw new Error(`${name}: a matrix cannot have more than 256 jobs`);
      matrices = m.include;
    }
    const legs: LegRun[] = [];
    let outputs: Record<string, string> = {};
    for (const matrix of matrices) {
      const steps: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
      const ctx = { ...base, matrix, steps };
      const runner = asString(expand(job['runs-on'], ctx));
      let leg: LegRun | undefined;
      let failed = false;
      for (const step of job.steps ?? []) {
        if (step.run !== undefined) throw new Error(`${name}: run: steps are not expected in this workflow`);
        if (
          step.if !== undefined &&
          !condition(step.if, ctx, { ...status, success: !failed, failure: failed })
        )
          continue;
        if (!step.uses?.startsWith(action)) continue;
        const withInputs = Object.fromEntries(
          Object.entries(step.with ?? {}).map(([k, v]) => [k, asString(expand(v, ctx))]),
        );
        leg = { matrix, runner, inputs: withInputs, outputs: {}, result: 'success' };
        if (opts.loseLeg?.(name, matrix)) {
          leg.result = 'failure';
          failed = true;
          break;
        }
        const result = await opts.runAction(withInputs, { job: name, matrix });
        leg.outputs = result.outputs;
        if (step.id)
          steps[step.id] = { outputs: result.outputs, outcome: result.code === 0 ? 'success' : 'failure' };
        if (result.code !== 0) {
          leg.result = 'failure';
          failed = true;
          break;
        }
      }
      if (leg) legs.push(leg);
      outputs = Object.fromEntries(
        Object.entries(job.outputs ?? {}).map(([k, v]) => [k, asString(expand(v, ctx))]),
      );
    }
    runs[name] = { result: legs.some((l) => l.result === 'failure') ? 'failure' : 'success', outputs, legs };
  }
  const jobs = Object.fromEntries(
    Object.entries(runs).map(([k, v]) => [k, { result: v.result, outputs: v.outputs }]),
  );
  const workflowOutputs = Object.fromEntries(
    Object.entries(wf.on.workflow_call.outputs ?? {}).map(([k, v]) => [
      k,
      asString(expand(v.value, { jobs })),
    ]),
  );
  return { jobs: runs, outputs: workflowOutputs, order };
}
