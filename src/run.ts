/**
 * The whole run for one spec file, as the action performs it: load → plan (hash + existence) → decide →
 * render + build the missing images in order → extra tags → visibility → one report. I/O goes through the
 * stage modules; this file only sequences them and turns their results into an ImageReport per image.
 */
import { performance } from 'node:perf_hooks';
import type { BuildLog, BuildOptions, BuildResult } from './build/index.js';
import { UserError, errorMessage } from './errors.js';
import { registriesOf } from './registry/reference.js';
import { checkPlanned, planTags, type PlanEntry } from './pipeline.js';
import {
  RegistryClient,
  checkExistence,
  checkRequirePublic,
  checkVisibility,
  type ExplicitLogin,
  type RegistryOptions,
  type VisibilityOptions,
  type VisibilityReport,
} from './registry/index.js';
import type { BuildContext } from './render/types.js';
import type { ImageReport, RunReport } from './report/types.js';
import type { Flavor, OnUnknown } from './choices.js';
import { decideImage, type DecisionSettings } from './decide.js';
import type { PlannedImage } from './spec/types.js';
import type { MountCacheRunner } from './mount-cache/run.js';
import { explainRecordWithSums } from './hash/record.js';
import { reasonLine, rebuildReason, withRecordLabel, type RecordStore } from './records/index.js';

export interface RunSettings {
  specPath: string;
  flavor: Flavor;
  image?: string;
  registry?: string;
  /** Replaces every image's `platform` (and so its tag). */
  platforms?: string[];
  /**
   * Whether built images are pushed, decided once the target registries are known (the action looks at the
   * event and at the credentials; it may add logins, e.g. GITHUB_TOKEN for ghcr.io).
   */
  pushPolicy: (registries: string[]) => Promise<PushDecision>;
  /** Build missing images even when they cannot be pushed, to prove the spec builds. */
  buildWithoutPush: boolean;
  force: boolean;
  onUnknown: OnUnknown;
  requirePublic: boolean;
  extraTags: string[];
  build: Omit<BuildOptions, 'push' | 'log'>;
  registryOptions: RegistryOptions;
  /** How to find visibility after push (GitHub token for ghcr.io); `false` skips the check. */
  visibility: VisibilityOptions | false;
  log: BuildLog;
  /** Keeps BuildKit cache mounts between runs (optional). */
  mountCache?: MountCacheRunner;
  /** Explain records of earlier builds, to say what changed (optional; the action's is the Actions cache). */
  records?: RecordStore;
}

export function newReport(planned: PlannedImage, existence: ImageReport['existence']): ImageReport {
  return {
    id: planned.spec.id,
    repository: planned.repository,
    reference: planned.reference,
    tag: planned.tag,
    specHash: planned.specHash,
    platforms: planned.platforms,
    existence,
    existed: existence.state === 'exists',
    built: false,
    pushed: false,
    reason: '',
    visibility: 'unknown',
    durationMs: 0,
    extraTags: [],
    planned,
    warnings: [],
  };
}

function cacheLine(result: BuildResult): string {
  const c = result.cache;
  if (c.backend === 'none') return 'none';
  const exported = c.exported === undefined ? '' : c.exported ? ', exported' : ', not exported';
  return `${c.backend}: ${c.cachedSteps}/${c.totalSteps} steps cached${exported}`;
}

export interface PushDecision {
  push: boolean;
  /** Why pushing is off (fork pull request, no credentials), shown in the summary. */
  reason?: string;
  /** Logins to use besides those Docker's config holds. */
  logins?: ExplicitLogin[];
}

/**
 * Another run (a parallel job, a re-run) may have pushed the same content tag since the plan. Asked again
 * right before building, so the content tag is not pushed twice; that run's image is then this run's answer.
 */
async function pushedMeanwhile(
  client: RegistryClient,
  planned: PlannedImage,
  report: ImageReport,
  ask: boolean,
): Promise<boolean> {
  if (!ask || report.existence.state !== 'missing') return false;
  const now = await checkExistence(client, planned.reference, planned.platforms).catch(() => undefined);
  if (now?.state !== 'exists') return false;
  report.existence = now;
  report.reason = 'pushed by a concurrent run';
  return true;
}

/**
 * After a failed build or push: whether the content tag is in the registry now, pushed by a concurrent run.
 * Asked a few times over some seconds, since that run may be pushing right now (its push is what made this
 * one fail, when both named the image at once).
 */
async function pushedAfterFailure(
  client: RegistryClient,
  planned: PlannedImage,
  report: ImageReport,
  attempts = 5,
  delayMs = 2000,
): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((done) => setTimeout(done, delayMs));
    if (await pushedMeanwhile(client, planned, report, true)) {
      report.reason = 'pushed by a concurrent run';
      return true;
    }
  }
  return false;
}

function firstLine(err: unknown): string {
  return errorMessage(err).split('\n')[0] ?? '';
}

/**
 * Decides for every image before building any, so an unknown answer under `on-unknown: fail` pushes
 * nothing: every refusal is thrown together.
 */
function decideAll(
  entries: PlanEntry[],
  settings: DecisionSettings,
  log: BuildLog,
): { reports: ImageReport[]; toBuild: Set<string> } {
  const decided = entries.map(({ planned, existence }) => ({
    report: newReport(planned, existence),
    decision: decideImage(
      {
        reference: planned.reference,
        hasRegistry: planned.registry !== undefined,
        existence,
        noop: planned.noop === true,
      },
      settings,
    ),
  }));
  const failures = decided.filter((d) => d.decision.action === 'fail').map((d) => d.decision.reason);
  if (failures.length > 0) throw new UserError(failures.join('\n'));
  const toBuild = new Set<string>();
  for (const { report, decision } of decided) {
    report.reason = decision.reason;
    if (decision.warning) {
      log.warning(decision.warning);
      report.warnings.push(decision.warning);
    }
    if (decision.action === 'build') toBuild.add(report.id);
    log.info(
      `${report.reference}: ${decision.action === 'build' ? 'building' : 'skipping'} (${report.reason})`,
    );
  }
  return { reports: decided.map((d) => d.report), toBuild };
}

/** The registry side of a run, fixed once the push policy has answered. */
export interface RunContext {
  client: RegistryClient;
  registryOptions: RegistryOptions;
  push: PushDecision;
}

/**
 * The images of a run's spec with their tags: the image asked for with the images it builds on (all without
 * `image`), with the registry and platforms given instead of the spec's. `whole`: every image of the file.
 */
export function planFor(
  settings: Pick<RunSettings, 'specPath' | 'flavor' | 'image' | 'registry' | 'platforms'>,
  whole = false,
): Promise<PlannedImage[]> {
  return planTags(settings.specPath, {
    flavor: settings.flavor,
    withParents: true,
    ...(settings.image && !whole ? { image: settings.image } : {}),
    ...(settings.registry ? { registry: settings.registry } : {}),
    ...(settings.platforms ? { platforms: settings.platforms } : {}),
  });
}

/** Plan (hash), ask the push policy about the target registries, and check every tag. */
async function planAndCheck(
  settings: RunSettings,
): Promise<{ planned: PlannedImage[]; entries: PlanEntry[]; run: RunContext }> {
  const planned = await planFor(settings);
  const run = await runContext(settings, planned);
  const entries = await checkPlanned(planned, run.client);
  return { planned, entries, run };
}

/** Ask the push policy about the registries of the planned images; the client then has its logins too. */
export async function runContext(
  settings: Pick<RunSettings, 'pushPolicy' | 'registryOptions'>,
  planned: readonly PlannedImage[],
): Promise<RunContext> {
  // Where this run may push: noop images are never pushed, so their registries need no credentials.
  const registries = registriesOf(planned.map((p) => (p.registry && !p.noop ? p.reference : undefined)));
  const push = await settings.pushPolicy(registries);
  const registryOptions: RegistryOptions = {
    ...settings.registryOptions,
    explicit: [...(settings.registryOptions.explicit ?? []), ...(push.logins ?? [])],
  };
  return { client: new RegistryClient(registryOptions), registryOptions, push };
}

/** Render and build the images chosen, in build order, with the cache-mount hooks around each build. */
export async function buildAll(
  planned: PlannedImage[],
  toBuild: Set<string>,
  reports: ImageReport[],
  settings: Pick<RunSettings, 'build' | 'log' | 'mountCache' | 'force' | 'records'>,
  run: RunContext,
): Promise<void> {
  const { log } = settings;
  // Rendering, building and tagging are imported when there is something to do (see scripts/build.mjs):
  // a run whose images all exist never loads them.
  const contexts: BuildContext[] = [];
  if (toBuild.size > 0) {
    const { renderBuild, sourceFromEnv } = await import('./render/index.js');
    const source = sourceFromEnv();
    for (const p of planned) if (toBuild.has(p.spec.id)) contexts.push(await renderBuild(p, { source }));
  }
  const buildOptions: BuildOptions = {
    ...settings.build,
    credentials: { ...settings.build.credentials, explicit: run.registryOptions.explicit ?? [] },
    ...(run.registryOptions.insecure ? { insecure: run.registryOptions.insecure } : {}),
    push: run.push.push,
    log,
  };
  const env = settings.build.env ?? process.env;
  const building = contexts.length > 0 ? await import('./build/index.js') : undefined;
  const builder = building ? await building.chooseBuilder(contexts, buildOptions, env, log) : undefined;

  for (const ctx of contexts) {
    const report = reports.find((r) => r.id === ctx.planned.spec.id)!;
    const started = performance.now();
    if (await pushedMeanwhile(run.client, ctx.planned, report, run.push.push && !settings.force)) continue;
    const record = await explainRecordWithSums(ctx.planned);
    if (settings.records) {
      const why = await rebuildReason(settings.records, ctx.planned, record);
      if (why.warning) {
        log.warning(why.warning);
        report.warnings.push(why.warning);
      }
      if (why.changes !== undefined) {
        report.changes = why.changes;
        if (report.existence.state === 'missing') report.reason = reasonLine(why.changes);
        log.info(`${ctx.planned.reference}: ${reasonLine(why.changes)}`);
        for (const c of why.changes ?? []) log.info(`  ${c.text}`);
      }
    }
    const mounts =
      settings.mountCache && builder ? await settings.mountCache.before(ctx, builder.name) : undefined;
    const check = run.push.push && !settings.force;
    let result;
    try {
      result = await building!.buildImage(ctx, builder!, {
        ...buildOptions,
        labels: withRecordLabel(buildOptions.labels, record),
        ...(check
          ? { beforePush: () => pushedMeanwhile(run.client, ctx.planned, report, true), stage: true }
          : {}),
      });
    } catch (err) {
      // A concurrent run of the same spec may have won the race (and made this push fail, or this build
      // fail on a shared builder): its image under the content tag is this run's answer.
      // A failed push, or a clash over the image's name, may be the other run's push in progress: asked a few
      // times; a failed build once.
      const racing =
        (err as { pushing?: boolean }).pushing === true || /already exists/.test(errorMessage(err));
      if (!check || !(await pushedAfterFailure(run.client, ctx.planned, report, racing ? 5 : 1))) throw err;
      log.warning(`${ctx.planned.reference}: ${report.reason}; this run's build failed: ${firstLine(err)}`);
      report.durationMs = performance.now() - started;
      continue;
    }
    const saveWarning = await settings.records?.save(ctx.planned, record);
    if (saveWarning) {
      log.warning(saveWarning);
      report.warnings.push(saveWarning);
    }
    let concurrent = result.concurrent === true;
    let digest = result.digest;
    if (check && result.pushed && result.staged) {
      // Staged; now the content tag, last, unless a concurrent run wrote it meanwhile.
      const { writeContentTag } = await import('./publish/content-tag.js');
      let written: { digest?: string; concurrent: boolean };
      try {
        written = await writeContentTag(run.client, ctx.planned.reference, ctx.planned.platforms, digest, {
          ...run.registryOptions,
          mask: (s) => log.setSecret(s),
        });
      } catch (err) {
        if (!(await pushedAfterFailure(run.client, ctx.planned, report, 3))) {
          throw new UserError(
            `${ctx.planned.reference}: the image was pushed under its staging tag, but the content tag could not be written: ${errorMessage(err)}`,
          );
        }
        written = { concurrent: true };
      }
      if (written.concurrent) {
        concurrent = true;
        await pushedMeanwhile(run.client, ctx.planned, report, true);
        log.info(`${ctx.planned.reference}: pushed by a concurrent run while this one pushed; left alone`);
      } else digest = written.digest;
    }
    // Built here but not pushed: a concurrent run pushed the content tag first, and its image is the answer.
    report.built = !concurrent;
    report.pushed = result.pushed && !concurrent;
    if (digest && !concurrent) report.digest = digest;
    report.cache = cacheLine(result);
    report.warnings.push(...result.warnings);
    if (mounts && settings.mountCache) {
      const { mountsRan } = await import('./mount-cache/index.js');
      const line = await settings.mountCache.after(mounts, mountsRan(result.cache));
      report.cache = `${report.cache}; ${line.summary}`;
      report.warnings.push(...line.warnings);
      for (const w of line.warnings) log.warning(w);
    }
    report.durationMs = performance.now() - started;
  }
}

/**
 * For every image in the registry after this run (pushed now, or there before; a forced local build does not
 * remove it): the extra tags, then visibility and `require-public`. Returns the require-public failures.
 */
export async function publishAll(
  reports: ImageReport[],
  settings: Pick<RunSettings, 'extraTags' | 'log' | 'visibility' | 'requirePublic'>,
  run: RunContext,
): Promise<string[]> {
  const failures: string[] = [];
  for (const report of reports) {
    // A noop image is checked whatever the registry said: require-public must not pass for an image nobody saw.
    if (!report.pushed && report.existence.state !== 'exists' && !report.planned.noop) continue;
    const digest = report.digest ?? report.existence.digest;
    // A noop image belongs to someone else's repository: it gets no extra tags.
    if (settings.extraTags.length > 0 && run.push.push && digest && !report.planned.noop) {
      try {
        const { applyExtraTags } = await import('./publish/tags.js');
        report.extraTags = await applyExtraTags(report, digest, settings.extraTags, {
          ...run.registryOptions,
          mask: (s) => settings.log.setSecret(s),
        });
      } catch (err) {
        throw new UserError(
          `adding tags ${settings.extraTags.join(', ')} to ${report.reference}: ${errorMessage(err)}`,
        );
      }
    }
    if (settings.visibility === false) continue;
    let visibility: VisibilityReport;
    try {
      visibility = await checkVisibility(run.client, report.reference, settings.visibility);
    } catch (err) {
      visibility = { visibility: 'unknown', reason: errorMessage(err) };
    }
    report.visibility = visibility.visibility;
    if (visibility.settingsUrl) report.settingsUrl = visibility.settingsUrl;
    const check = checkRequirePublic(report.reference, visibility, settings.requirePublic);
    if (!check.ok) failures.push(check.message);
  }
  return failures;
}

/** One whole run: plan and check, decide for every image, build the chosen ones, publish, report. */
export async function run(settings: RunSettings): Promise<RunReport> {
  const { planned, entries, run } = await planAndCheck(settings);
  const { reports, toBuild } = decideAll(
    entries,
    {
      force: settings.force,
      onUnknown: settings.onUnknown,
      canPush: run.push.push,
      buildWithoutPush: settings.buildWithoutPush,
      ...(run.push.reason ? { pushOffReason: run.push.reason } : {}),
    },
    settings.log,
  );
  await buildAll(planned, toBuild, reports, settings, run);
  const failures = await publishAll(reports, settings, run);
  const result: RunReport = { images: reports, notes: run.push.reason ? [run.push.reason] : [] };
  if (failures.length > 0) throw new RunFailure(failures.join('\n'), result);
  return result;
}

/** A run that finished its work but must fail the step (require-public); the report is still written. */
export class RunFailure extends UserError {
  constructor(
    message: string,
    readonly report: RunReport,
  ) {
    super(message);
    this.name = 'RunFailure';
  }
}
