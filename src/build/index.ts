/**
 * Build stage: BuildContext → BuildResult with `docker buildx build`. Chooses the builder, the cache and
 * push/load, runs the build with the log grouped per image, reads the digest from the metadata file and
 * checks that the cache export really happened.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { provenanceFlag } from '../choices.js';
import { UserError } from '../errors.js';
import { stagingReference } from '../publish/content-tag.js';
import type { BuildContext } from '../render/types.js';
import {
  canAttest,
  canExportCache,
  canMultiPlatform,
  createContainerBuilder,
  inspectBuilder,
  removeBuilder,
  startBuilder,
  type BuilderInfo,
} from './builder.js';
import { ghaRuntimeProblem, planCache, type CachePlan } from './cache.js';
import { writeContext } from './context-dir.js';
import { docker, type DockerRun } from '../docker/cli.js';
import { loadBuildkitdConfig } from '../buildkitd/config.js';
import { tempDockerConfig } from '../docker/config.js';
import { registriesOf } from '../registry/reference.js';
import { dockerfileImages } from './image-refs.js';
import { ProgressParser, type ProgressSummary } from './progress.js';
import { checkSecrets } from './secrets.js';
import type { BuildLog, BuildOptions, BuildResult } from './types.js';

export type { BuildLog, BuildOptions, BuildResult, CacheBackend, CacheReport } from './types.js';
export { cacheScope, ghaProblem, planCache } from './cache.js';
export { ProgressParser } from './progress.js';

/** Log to stderr: the CLI's BuildLog. */
export const stderrLog: BuildLog = {
  info: (m) => process.stderr.write(`${m}\n`),
  warning: (m) => process.stderr.write(`warning: ${m}\n`),
  group: async (name, fn) => {
    process.stderr.write(`==> ${name}\n`);
    return fn();
  },
  setSecret: () => {},
};

/** A build that failed: says which step and shows its last lines. Nothing was pushed. */
export class BuildFailure extends UserError {
  /** The push failed (not the build): a concurrent run pushing the same tag is a likely cause. */
  pushing = false;

  constructor(message: string) {
    super(message);
    this.name = 'BuildFailure';
  }
}

export interface BuildCommand {
  args: string[];
  cache: CachePlan;
  pushed: boolean;
  /** What the builder cannot do and was dropped from this build, one warning each. */
  warnings: string[];
}

/**
 * `--provenance`/`--sbom` for a build. The `docker` driver on the classic image store cannot attach attestations
 * (`Attestation is not supported for the docker driver`): the image is pushed without them, with one warning per
 * attestation dropped. A plain `--load` never carries them into the classic store, so nothing is lost there.
 */
export function attestationArgs(
  builder: BuilderInfo,
  pushed: boolean,
  opts: Pick<BuildOptions, 'provenance' | 'sbom'>,
): { args: string[]; warnings: string[] } {
  const provenance = provenanceFlag(opts.provenance ?? 'min');
  if (canAttest(builder)) {
    return { args: [`--provenance=${provenance}`, ...(opts.sbom ? ['--sbom=true'] : [])], warnings: [] };
  }
  const warnings: string[] = [];
  if (pushed) {
    const why = `builder '${builder.name}' (driver ${builder.driver}, classic image store) cannot attach attestations`;
    if (provenance !== 'false') warnings.push(`provenance attestation not attached: ${why}`);
    if (opts.sbom) warnings.push(`SBOM attestation not attached: ${why}`);
  }
  return { args: ['--provenance=false'], warnings };
}

/**
 * What one `docker buildx build` run does with its result:
 * - `load`: into the local engine, named with the reference (nothing is pushed);
 * - `push`: to the registry, in one run;
 * - `build`: nothing but the builder's cache (and the cache export), the first half of a checked push;
 * - `push-built`: the second half, after the registry was asked again: the same build, answered from the
 *   builder's cache, pushed.
 * A push never names the image in the local engine (`store=false`): with the `docker` driver on the
 * containerd image store, two runs naming the same image at once fail with `image "…" already exists`.
 */
export type BuildPhase = 'load' | 'push' | 'build' | 'push-built';

/** The `--output` (and `--tag`) arguments of a phase. */
function outputArgs(reference: string, phase: BuildPhase, stage: boolean): string[] {
  if (phase === 'load') return ['--tag', reference, '--load'];
  if (phase === 'build') return ['--output', 'type=cacheonly'];
  const name = phase === 'push-built' && stage ? stagingReference(reference) : reference;
  return ['--output', `type=image,name=${name},push=true,store=false`];
}

/** The `docker buildx build` arguments for one image (pure; tested directly). */
export function buildArgs(
  ctx: BuildContext,
  where: { dir: string; dockerfile: string; metadataFile: string },
  builder: BuilderInfo,
  cache: CachePlan,
  opts: BuildOptions,
  phase?: BuildPhase,
): BuildCommand {
  const planned = ctx.planned;
  const pushed = opts.push && planned.registry !== undefined;
  const step = phase ?? (pushed ? 'push' : 'load');
  const args = ['buildx', 'build', '--builder', builder.name, '--progress', 'plain'];
  args.push('--file', where.dockerfile);
  args.push('--platform', ctx.platforms.join(','));
  args.push('--metadata-file', where.metadataFile);
  args.push(...outputArgs(planned.reference, step, opts.stage === true));
  const attestations =
    step === 'build'
      ? { args: ['--provenance=false'], warnings: [] }
      : attestationArgs(builder, pushed, opts);
  args.push(...attestations.args);
  const network = opts.network ?? ctx.network;
  if (network) args.push('--network', network);
  for (const [k, v] of Object.entries(ctx.buildArgs)) args.push('--build-arg', `${k}=${v}`);
  if (ctx.kind === 'dockerfile') {
    for (const [k, v] of Object.entries(ctx.labels)) args.push('--label', `${k}=${v}`);
  }
  for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
  if (ctx.target) args.push('--target', ctx.target);
  for (const s of ctx.secrets) {
    args.push('--secret', s.env ? `id=${s.id},env=${s.env}` : `id=${s.id},src=${s.src}`);
  }
  for (const c of cache.from) args.push('--cache-from', c);
  // The cache is exported once, by the run that builds; the push that follows adds nothing to it.
  if (step !== 'push-built') for (const c of cache.to) args.push('--cache-to', c);
  args.push(where.dir);
  return { args, cache, pushed, warnings: attestations.warnings };
}

/** The docker-container builder created when the current one cannot do what a build needs. */
export const CONTAINER_BUILDER = 'imagespec';

/** Chooses the builder: the `builder` option, else the current one; a docker-container one when needed. */
export async function chooseBuilder(
  contexts: BuildContext[],
  opts: BuildOptions,
  env: NodeJS.ProcessEnv,
  log: BuildLog,
): Promise<BuilderInfo> {
  const current = await inspectBuilder(opts.builder, env);
  if (opts.builder) {
    if (opts.buildkitdConfig) log.warning(configNotUsed(current));
    return current;
  }
  const multi = contexts.some((c) => c.platforms.length > 1);
  // No builder is created for a gha cache the runner does not offer: the cache would be dropped anyway.
  const wantsExport = opts.cache !== 'none' && !(opts.cache === 'gha' && ghaRuntimeProblem(env));
  const lacking =
    (multi && !canMultiPlatform(current) && 'multi-platform builds') ||
    (wantsExport && !canExportCache(current) && 'cache export');
  if (!lacking) {
    if (opts.buildkitdConfig) log.warning(configNotUsed(current));
    return current;
  }
  // One builder of a fixed name, reused by later runs on the same machine (a self-hosted runner keeps its
  // cache there and does not collect a builder per run).
  const name = CONTAINER_BUILDER;
  const existing = await inspectBuilder(name, env).catch(() => undefined);
  const reuse = existing?.driver === 'docker-container';
  log.info(
    `builder '${current.name}' (driver ${current.driver}) cannot do ${lacking}; ${reuse ? 'using' : 'creating docker-container'} builder '${name}'`,
  );
  try {
    if (reuse) {
      if (opts.buildkitdConfig) {
        log.warning(
          `builder '${name}' exists and keeps the BuildKit configuration it was created with; to apply buildkitd-config, remove it (docker buildx rm ${name}) and run again`,
        );
      }
      await startBuilder(name, env);
    } else {
      const config =
        opts.buildkitdConfig ??
        (await loadBuildkitdConfig({ insecure: opts.insecure ?? [], baseDir: process.cwd() })).toml;
      await createContainerBuilder(name, { env, config });
    }
    return await inspectBuilder(name, env);
  } catch (err) {
    // A builder that cannot start (its moby/buildkit image unreachable: Docker Hub rate limits, outages, offline
    // runners) is removed, so the next run does not pick it up as if it worked.
    await removeBuilder(name, env);
    log.warning(
      `could not ${reuse ? 'start' : 'create'} the docker-container builder '${name}' (${err instanceof Error ? lastLine(err.message) : String(err)}); continuing with '${current.name}'`,
    );
    return current;
  }
}

/** Why the user's BuildKit configuration does not reach this build, and what to do instead. */
function configNotUsed(b: BuilderInfo): string {
  const how =
    b.driver === 'docker'
      ? "the docker driver uses the engine's registry settings: put a private CA in /etc/docker/certs.d/HOST:PORT/ca.crt on the runner, list plain-HTTP registries under insecure-registries in /etc/docker/daemon.json"
      : 'give the same configuration to the tool that created it (docker/setup-buildx-action: buildkitd-config or buildkitd-config-inline)';
  return `buildkitd-config applies only to the docker-container builder imagespec creates; this build uses builder '${b.name}' (driver ${b.driver}): ${how}`;
}

/** The last non-empty line of a docker error (BuildKit's boot log repeats the error on its last line). */
function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? text
  );
}

/** Builds one image. Throws BuildFailure when buildx fails (nothing is pushed then). */
export async function buildImage(
  ctx: BuildContext,
  builder: BuilderInfo,
  opts: BuildOptions,
): Promise<BuildResult> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? stderrLog;
  await checkSecrets(ctx, env, log);
  checkPlatforms(ctx, builder);
  const cache = cachePlanFor(ctx, builder, opts, env);
  for (const w of cache.warnings) log.warning(w);
  for (const w of ctx.warnings) log.warning(w);

  const onDisk = await writeContext(ctx);
  const metaDir = await mkdtemp(path.join(tmpdir(), 'imagespec-meta-'));
  const dockerConfig = await tempDockerConfig(loginRegistries(ctx), {
    ...opts.credentials,
    env,
    mask: (s) => log.setSecret(s),
  });
  const metadataFile = path.join(metaDir, 'metadata.json');
  const cmd = buildArgs(
    ctx,
    { dir: onDisk.dir, dockerfile: onDisk.dockerfile, metadataFile },
    builder,
    cache,
    opts,
  );
  for (const w of cmd.warnings) log.warning(w);
  if (opts.githubToken) log.setSecret(opts.githubToken);
  try {
    if (!cmd.pushed || !opts.beforePush) {
      const { run, progress } = await runBuildx(ctx, cmd, dockerConfig.env, opts, log);
      if (run.code !== 0) throw failure(ctx, progress, run.stderr);
      const digest = await readDigest(metadataFile);
      return buildResult(ctx, builder, cache, cmd, progress, digest, log);
    }
    // A checked push: build into the builder, ask the registry again, then push what was built.
    const where = { dir: onDisk.dir, dockerfile: onDisk.dockerfile, metadataFile };
    const built = buildArgs(ctx, where, builder, cache, opts, 'build');
    const { run, progress } = await runBuildx(ctx, built, dockerConfig.env, opts, log);
    if (run.code !== 0) throw failure(ctx, progress, run.stderr);
    if (await opts.beforePush()) {
      log.info(`${ctx.planned.reference}: pushed by a concurrent run while this one built; not pushed again`);
      return {
        ...buildResult(ctx, builder, cache, cmd, progress, undefined, log),
        pushed: false,
        concurrent: true,
      };
    }
    let staged = opts.stage === true;
    let pushed = await runBuildx(
      ctx,
      buildArgs(ctx, where, builder, cache, opts, 'push-built'),
      dockerConfig.env,
      opts,
      log,
      'Push',
    );
    if (pushed.run.code !== 0 && staged) {
      // A registry that refuses the staging tag (immutable tags keep one left behind by an earlier run) still
      // gets the image: asked again, then pushed under the content tag itself.
      log.warning(
        `${ctx.planned.reference}: pushing under the staging tag failed (${lastLine(pushed.run.stderr)}); pushing the content tag directly`,
      );
      if (await opts.beforePush()) {
        return {
          ...buildResult(ctx, builder, cache, cmd, progress, undefined, log),
          pushed: false,
          concurrent: true,
        };
      }
      staged = false;
      const direct = buildArgs(ctx, where, builder, cache, { ...opts, stage: false }, 'push-built');
      pushed = await runBuildx(ctx, direct, dockerConfig.env, opts, log, 'Push');
    }
    if (pushed.run.code !== 0) {
      const err = failure(ctx, pushed.progress, pushed.run.stderr);
      err.pushing = true;
      throw err;
    }
    const digest = await readDigest(metadataFile);
    return { ...buildResult(ctx, builder, cache, cmd, progress, digest, log), ...(staged ? { staged } : {}) };
  } finally {
    await Promise.all([
      onDisk.cleanup(),
      rm(metaDir, { recursive: true, force: true }),
      dockerConfig.cleanup(),
    ]);
  }
}

/** Several platforms at once need a builder that can hold an image index. */
function checkPlatforms(ctx: BuildContext, builder: BuilderInfo): void {
  if (ctx.platforms.length <= 1 || canMultiPlatform(builder)) return;
  throw new UserError(
    `images.${ctx.planned.spec.id}: builder '${builder.name}' (driver ${builder.driver}) cannot build ${ctx.platforms.join(', ')} at once; enable the containerd image store or use a docker-container builder (docker/setup-buildx-action)`,
  );
}

function cachePlanFor(
  ctx: BuildContext,
  builder: BuilderInfo,
  opts: BuildOptions,
  env: NodeJS.ProcessEnv,
): CachePlan {
  const planned = ctx.planned;
  return planCache(
    planned,
    builder,
    {
      backend: opts.cache,
      repository: planned.repository,
      push: opts.push && planned.registry !== undefined,
      ...(opts.cachePrefix ? { prefix: opts.cachePrefix } : {}),
      ...(opts.githubToken ? { githubToken: opts.githubToken } : {}),
      ...(opts.cacheDir ? { dir: opts.cacheDir } : {}),
    },
    env,
  );
}

/** The registries the build needs logins for: the push target and every image the Dockerfile names. */
function loginRegistries(ctx: BuildContext): string[] {
  const planned = ctx.planned;
  return registriesOf([planned.reference, planned.baseReference, ...dockerfileImages(ctx.dockerfile)]);
}

/** Runs `docker buildx build` in a log group, streaming its lines to the log and the progress parser. */
async function runBuildx(
  ctx: BuildContext,
  cmd: BuildCommand,
  env: NodeJS.ProcessEnv,
  opts: BuildOptions,
  log: BuildLog,
  title = 'Build',
): Promise<{ run: DockerRun; progress: ProgressSummary }> {
  const parser = new ProgressParser();
  const run = await log.group(`${title} ${ctx.planned.reference}`, async () => {
    log.info(`docker ${redact(cmd.args, opts.githubToken).join(' ')}`);
    return docker(cmd.args, {
      env,
      onLine: (line) => {
        parser.push(line);
        log.info(line);
      },
    });
  });
  return { run, progress: parser.summary() };
}

/** The image digest buildx wrote into its metadata file. */
async function readDigest(metadataFile: string): Promise<string | undefined> {
  const metadata = JSON.parse(await readFile(metadataFile, 'utf8').catch(() => '{}')) as Record<
    string,
    unknown
  >;
  const digest = metadata['containerimage.digest'];
  return typeof digest === 'string' ? digest : undefined;
}

/** The result of a build that succeeded, with a warning when the cache export did not complete. */
function buildResult(
  ctx: BuildContext,
  builder: BuilderInfo,
  cache: CachePlan,
  cmd: BuildCommand,
  progress: ProgressSummary,
  digest: string | undefined,
  log: BuildLog,
): BuildResult {
  const warnings = [...cache.warnings, ...ctx.warnings, ...cmd.warnings];
  const exported = cache.to.length > 0 ? cacheExported(progress) : undefined;
  if (exported === false) {
    const why = progress.cacheExport?.error ?? 'no cache export step ran';
    const w = `cache export to ${cache.backend} did not complete (${why}); the next run builds without this cache`;
    log.warning(w);
    warnings.push(w);
  }
  return {
    reference: ctx.planned.reference,
    ...(digest ? { digest } : {}),
    platforms: ctx.platforms,
    pushed: cmd.pushed,
    builder: builder.name,
    cache: {
      backend: cache.backend,
      ...(exported !== undefined ? { exported } : {}),
      cachedSteps: progress.cachedSteps,
      totalSteps: progress.steps,
      mountSteps: progress.mountSteps,
      mountStepsRun: progress.mountStepsRun,
      warnings: cache.warnings,
    },
    warnings,
  };
}

/** The command line as logged: a token never appears, also where the log does not mask secrets (the CLI). */
function redact(args: string[], secret: string | undefined): string[] {
  return secret ? args.map((a) => a.split(secret).join('***')) : args;
}

function cacheExported(p: ProgressSummary): boolean {
  return p.cacheExport !== undefined && p.cacheExport.done && p.cacheExport.error === undefined;
}

function failure(ctx: BuildContext, p: ProgressSummary, stderr: string): BuildFailure {
  const id = ctx.planned.spec.id;
  if (p.failed) {
    const last = p.failed.lines.slice(-20);
    const message = [
      `images.${id}: build failed at step ${p.failed.name}`,
      `  ${p.failed.error ?? ''}`.trimEnd(),
      ...(last.length ? ['  last lines:', ...last.map((l) => `    ${l}`)] : []),
      'Nothing was pushed.',
    ].join('\n');
    return new BuildFailure(message);
  }
  const tail = stderr.trim().split('\n').slice(-10);
  return new BuildFailure(
    [`images.${id}: docker buildx build failed`, ...tail.map((l) => `  ${l}`), 'Nothing was pushed.'].join(
      '\n',
    ),
  );
}
