import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { actionLog } from './action/log.js';
import { readEvent, type EventContext } from './action/event.js';
import { readInputs, type ActionInputs } from './action/inputs.js';
import { decidePush } from './action/push-policy.js';
import { UserError, errorMessage } from './errors.js';
import { explainMarkdown } from './hash/index.js';
import type { MountCacheRunner } from './mount-cache/run.js';
import type { RecordStore } from './records/index.js';
import type { BuildkitdConfig } from './buildkitd/config.js';
import { actionOutputs } from './report/outputs.js';
import { failureMarkdown, problemsMarkdown, summaryMarkdown } from './report/summary.js';
import type { ImageReport, RunReport } from './report/types.js';
import { RunFailure, planFor, run, runContext, type RunSettings } from './run.js';
import { annotate } from './spec/annotate.js';
import { specInWorkspace } from './spec/inputs.js';
import { matrixPlan, planOutputs } from './distribute/matrix.js';
import { checkImages } from './distribute/plan.js';
import { planMarkdown } from './report/plan-summary.js';

/**
 * The mount cache, loaded with @actions/cache when the first build starts (a run whose images all exist
 * never loads either); it does nothing when the GitHub Actions cache service is not available.
 */
function mountCacheFor(inputs: ActionInputs, event: EventContext): MountCacheRunner | undefined {
  if (!inputs.mountCache) return undefined;
  let loading: Promise<MountCacheRunner | undefined> | undefined;
  const load = (): Promise<MountCacheRunner | undefined> =>
    (loading ??= Promise.all([import('@actions/cache'), import('./mount-cache/run.js')]).then(
      ([cache, { mountCacheRunner }]) =>
        cache.isFeatureAvailable()
          ? mountCacheRunner({
              workDir: join(process.env.RUNNER_TEMP ?? tmpdir(), 'imagespec-mount-cache'),
              restoreOnly: event.eventName.startsWith('pull_request'),
              budgetBytes: inputs.mountCacheBudget,
              helperImage: inputs.mountCacheImage,
            })
          : undefined,
    ));
  return {
    before: async (ctx, builder) => (await load())?.before(ctx, builder),
    after: async (state, ran) => (await load())!.after(state, ran),
  };
}

/**
 * The explain records of earlier builds in the Actions cache, keyed by image and branch; loaded on the first
 * build (a run that builds nothing never loads the cache client).
 */
function recordStoreFor(): RecordStore | undefined {
  const branch = process.env.GITHUB_HEAD_REF || process.env.GITHUB_REF_NAME;
  if (!branch) return undefined;
  let loading: Promise<RecordStore | undefined> | undefined;
  const load = (): Promise<RecordStore | undefined> =>
    (loading ??= Promise.all([import('@actions/cache'), import('./records/store.js')]).then(
      ([cache, { cacheRecordStore }]) =>
        cache.isFeatureAvailable()
          ? cacheRecordStore({
              dir: join(process.env.RUNNER_TEMP ?? tmpdir(), 'imagespec-explain'),
              branch,
              ...(process.env.GITHUB_BASE_REF ? { baseBranch: process.env.GITHUB_BASE_REF } : {}),
            })
          : undefined,
    ));
  return {
    previous: async (planned) => (await load())?.previous(planned) ?? { unavailable: true },
    save: async (planned, record) => (await load())?.save(planned, record),
  };
}

/**
 * The `buildkitd-config` / `buildkitd-config-inline` inputs merged with `insecure-registries`: the configuration
 * of the builder the action creates, and the CAs its own registry checks trust. Read before anything runs, so a
 * mistake stops the step at once; loaded only when one of the inputs is set.
 */
async function buildkitdFor(inputs: ActionInputs, workspace: string): Promise<BuildkitdConfig | undefined> {
  if (!inputs.buildkitdConfig && !inputs.buildkitdConfigInline) return undefined;
  const { loadBuildkitdConfig } = await import('./buildkitd/config.js');
  return loadBuildkitdConfig({
    ...(inputs.buildkitdConfig ? { file: inputs.buildkitdConfig } : {}),
    ...(inputs.buildkitdConfigInline ? { inline: inputs.buildkitdConfigInline } : {}),
    insecure: inputs.insecureRegistries,
    baseDir: workspace,
  });
}

async function settingsFrom(inputs: ActionInputs): Promise<RunSettings> {
  const event = readEvent();
  const credentials = { mask: (s: string) => core.setSecret(s) };
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const mountCache = mountCacheFor(inputs, event);
  const records = recordStoreFor();
  const buildkitd = await buildkitdFor(inputs, workspace);
  return {
    specPath: resolve(workspace, inputs.spec),
    flavor: inputs.flavor,
    ...(inputs.image ? { image: inputs.image } : {}),
    ...(inputs.registry ? { registry: inputs.registry } : {}),
    ...(inputs.platforms ? { platforms: inputs.platforms } : {}),
    pushPolicy: (registries) => decidePush(inputs, event, registries, credentials, process.env.GITHUB_ACTOR),
    buildWithoutPush: inputs.buildWithoutPush,
    force: inputs.force,
    onUnknown: inputs.onUnknown,
    requirePublic: inputs.requirePublic,
    extraTags: inputs.extraTags,
    build: {
      cache: inputs.cache,
      cachePrefix: `${inputs.cacheScope}-`,
      provenance: inputs.provenance,
      sbom: inputs.sbom,
      labels: inputs.labels,
      ...(inputs.builder ? { builder: inputs.builder } : {}),
      ...(inputs.githubToken ? { githubToken: inputs.githubToken } : {}),
      ...(buildkitd ? { buildkitdConfig: buildkitd.toml } : {}),
    },
    registryOptions: {
      ...credentials,
      insecure: inputs.insecureRegistries,
      ...(buildkitd ? { ca: buildkitd.ca } : {}),
    },
    visibility: inputs.githubToken ? { githubToken: inputs.githubToken } : {},
    log: actionLog,
    ...(mountCache ? { mountCache } : {}),
    ...(records ? { records } : {}),
  };
}

const explain = (image: ImageReport): string => explainMarkdown([image.planned]);

function wantsSummary(inputs: ActionInputs): boolean {
  return inputs.summary && Boolean(process.env.GITHUB_STEP_SUMMARY);
}

async function publish(report: RunReport, inputs: ActionInputs): Promise<void> {
  for (const [name, value] of Object.entries(actionOutputs(report.images))) core.setOutput(name, value);
  if (wantsSummary(inputs)) await core.summary.addRaw(summaryMarkdown(report, explain), true).write();
}

/** The outputs (when a partial report exists) and a job summary saying what failed. */
async function publishFailure(err: unknown, inputs: ActionInputs): Promise<void> {
  const report = err instanceof RunFailure ? err.report : undefined;
  if (report) {
    for (const [name, value] of Object.entries(actionOutputs(report.images))) core.setOutput(name, value);
  }
  if (!wantsSummary(inputs)) return;
  try {
    await core.summary.addRaw(failureMarkdown(errorMessage(err), report, explain), true).write();
  } catch (summaryErr) {
    core.warning(`the job summary could not be written: ${errorMessage(summaryErr)}`);
  }
}

/** The action: inputs → run → outputs and job summary. Every failure is one clear message, never a trace. */
export async function runAction(): Promise<void> {
  let inputs: ActionInputs;
  try {
    inputs = readInputs();
    await specInWorkspace(process.env.GITHUB_WORKSPACE ?? process.cwd(), inputs.spec);
  } catch (err) {
    core.setFailed(errorMessage(err));
    return;
  }
  try {
    if (inputs.mode === 'plan') {
      await planMode(inputs);
      return;
    }
    const report = await runMode(inputs);
    await publish(report, inputs);
  } catch (err) {
    if (err instanceof UserError && err.diagnostics.length > 0) {
      annotate(err.diagnostics);
      if (wantsSummary(inputs)) {
        await core.summary.addRaw(problemsMarkdown(err.diagnostics), true).write();
      }
      core.setFailed(
        `${inputs.spec}: ${err.diagnostics.length} problem(s) in the spec file; see the annotations above`,
      );
      return;
    }
    await publishFailure(err, inputs);
    core.setFailed(errorMessage(err));
  }
}

/** `all`: the whole run in this job; `build`: one leg; `merge`: the content tags from the legs. */
async function runMode(inputs: ActionInputs): Promise<RunReport> {
  const settings = await settingsFrom(inputs);
  if (inputs.mode === 'build') {
    const { runLeg } = await import('./distribute/leg.js');
    return runLeg({ ...settings, images: inputs.images, platform: inputs.platform! });
  }
  if (inputs.mode === 'merge') {
    const { runMerge } = await import('./distribute/merge.js');
    return runMerge({ ...settings, images: inputs.images, pending: inputs.pending });
  }
  return run(settings);
}

/** `mode: plan`: the matrices of a build spread over runners, as job outputs (see docs/action.md). */
async function planMode(inputs: ActionInputs): Promise<void> {
  const settings = await settingsFrom(inputs);
  const planned = await planFor(settings);
  const { client, push } = await runContext(settings, planned);
  if (!push.push) {
    core.warning(
      `${push.reason ?? 'pushing is off'}: the legs build without pushing, so merge has nothing to join and children cannot start from their parents; build in one job (mode: all) when pushing is off`,
    );
  }
  const plan = matrixPlan(await checkImages(planned, client), {
    runners: inputs.runners,
    onUnknown: inputs.onUnknown,
    ...(inputs.maxLayers !== undefined ? { maxLayers: inputs.maxLayers } : {}),
  });
  for (const w of plan.warnings) core.warning(w);
  const outputs = planOutputs(plan, Math.max(plan.layers.length, inputs.maxLayers ?? 0));
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  core.info(`${plan.legs} leg(s) to build; ${plan.merge.flat().length} image(s) to merge`);
  if (wantsSummary(inputs)) await core.summary.addRaw(planMarkdown(plan), true).write();
}
