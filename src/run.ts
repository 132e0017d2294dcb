/**
 * The whole run for one spec file, as the action performs it: load → plan (hash + existence) → decide →
 * render + build the missing images in order → extra tags → visibility → one report. I/O goes through the
 * stage modules; this file only sequences them and turns their results into an ImageReport per image.
 */
import { performance } from 'node:perf_hooks';
import type { BuildLog, BuildOptions, BuildResult } from './build/index.js';
import { UserError, errorMessage } from './errors.js';
import { registriesOf } from './registry/reference.js';
import { checkPlanned, planTags } from './pipeline.js';
import {
  RegistryClient,
  checkExistence,
  checkRequirePublic,
  checkVisibility,
  decideBuild,
  type ExplicitLogin,
  type RegistryOptions,
  type VisibilityOptions,
  type VisibilityReport,
} from './registry/index.js';
import type { BuildContext } from './render/types.js';
import type { ImageReport, RunReport } from './report/types.js';
import type { Flavor, OnUnknown } from './choices.js';
import type { PlannedImage } from './spec/types.js';
import { mountsRan } from './mount-cache/index.js';
import type { MountCacheRunner } from './mount-cache/run.js';

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
}

function newReport(planned: PlannedImage, existence: ImageReport['existence']): ImageReport {
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
  report.reason = 'pushed by a concurrent run since the plan';
  return true;
}

export async function run(settings: RunSettings): Promise<RunReport> {
  const { log } = settings;
  const notes: string[] = [];

  const planned = await planTags(settings.specPath, {
    flavor: settings.flavor,
    withParents: true,
    ...(settings.image ? { image: settings.image } : {}),
    ...(settings.registry ? { registry: settings.registry } : {}),
    ...(settings.platforms ? { platforms: settings.platforms } : {}),
  });
  const registries = registriesOf(planned.map((p) => (p.registry ? p.reference : undefined)));
  const decision = await settings.pushPolicy(registries);
  if (decision.reason) notes.push(decision.reason);
  const registryOptions: RegistryOptions = {
    ...settings.registryOptions,
    explicit: [...(settings.registryOptions.explicit ?? []), ...(decision.logins ?? [])],
  };
  const client = new RegistryClient(registryOptions);
  const entries = await checkPlanned(planned, client);

  // Decide for every image before building any, so an unknown answer under `fail` pushes nothing.
  const reports: ImageReport[] = [];
  const toBuild = new Set<string>();
  const failures: string[] = [];
  for (const { planned: p, existence } of entries) {
    const report = newReport(p, existence);
    reports.push(report);
    const hasRegistry = p.registry !== undefined;
    if (settings.force) {
      report.reason = existence.state === 'exists' ? 'force: rebuilding an existing tag' : 'force';
      toBuild.add(p.spec.id);
      continue;
    }
    // Without pushing, building an image of unknown state harms nothing and proves the spec builds.
    const policy = hasRegistry && decision.push ? settings.onUnknown : 'build';
    const choice = decideBuild(p.reference, existence, policy);
    if (choice.action === 'fail') {
      failures.push(choice.message);
      continue;
    }
    if (choice.warning) {
      log.warning(choice.message);
      report.warnings.push(choice.message);
    }
    if (choice.action === 'skip') {
      report.reason =
        existence.state === 'exists' ? 'exists' : 'existence unknown; skipped by on-unknown: skip';
    } else {
      report.reason =
        existence.state === 'missing'
          ? `spec changed or first build: ${existence.reason}`
          : hasRegistry
            ? `existence unknown; built by on-unknown: build`
            : 'no registry: built locally';
      toBuild.add(p.spec.id);
    }
  }
  if (failures.length > 0) throw new UserError(failures.join('\n'));
  for (const r of reports)
    log.info(`${r.reference}: ${toBuild.has(r.id) ? 'building' : 'skipping'} (${r.reason})`);

  const canPush = decision.push;
  if (!canPush && !settings.buildWithoutPush) {
    for (const r of reports) {
      if (toBuild.delete(r.id)) r.reason = `${r.reason}; not built: ${decision.reason ?? 'pushing is off'}`;
    }
  }

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
    credentials: { ...settings.build.credentials, explicit: registryOptions.explicit ?? [] },
    ...(registryOptions.insecure ? { insecure: registryOptions.insecure } : {}),
    push: canPush,
    log,
  };
  const env = settings.build.env ?? process.env;
  const building = contexts.length > 0 ? await import('./build/index.js') : undefined;
  const builder = building ? await building.chooseBuilder(contexts, buildOptions, env, log) : undefined;

  for (const ctx of contexts) {
    const report = reports.find((r) => r.id === ctx.planned.spec.id)!;
    const started = performance.now();
    if (await pushedMeanwhile(client, ctx.planned, report, canPush && !settings.force)) continue;
    const mounts =
      settings.mountCache && builder ? await settings.mountCache.before(ctx, builder.name) : undefined;
    const result = await building!.buildImage(ctx, builder!, buildOptions);
    report.built = true;
    report.pushed = result.pushed;
    if (result.digest) report.digest = result.digest;
    report.cache = cacheLine(result);
    report.warnings.push(...result.warnings);
    if (mounts && settings.mountCache) {
      const line = await settings.mountCache.after(mounts, mountsRan(result.cache));
      report.cache = `${report.cache}; ${line.summary}`;
      report.warnings.push(...line.warnings);
      for (const w of line.warnings) log.warning(w);
    }
    report.durationMs = performance.now() - started;
  }

  for (const report of reports) {
    // In the registry after this run: pushed now, or there before (a forced local build does not remove it).
    if (!report.pushed && report.existence.state !== 'exists') continue;
    const digest = report.digest ?? report.existence.digest;
    if (settings.extraTags.length > 0 && canPush && digest) {
      try {
        const { applyExtraTags } = await import('./publish/tags.js');
        report.extraTags = await applyExtraTags(report, digest, settings.extraTags, {
          ...registryOptions,
          mask: (s) => log.setSecret(s),
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
      visibility = await checkVisibility(client, report.reference, settings.visibility);
    } catch (err) {
      visibility = { visibility: 'unknown', reason: errorMessage(err) };
    }
    report.visibility = visibility.visibility;
    if (visibility.settingsUrl) report.settingsUrl = visibility.settingsUrl;
    const check = checkRequirePublic(report.reference, visibility, settings.requirePublic);
    if (!check.ok) failures.push(check.message);
  }
  const result: RunReport = { images: reports, notes };
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
