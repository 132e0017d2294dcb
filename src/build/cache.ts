/**
 * Cache settings for `docker buildx build`: `type=gha` by default, one scope per image and platform set,
 * `mode=max`, `ignore-error=true` on export. Decides whether the chosen backend can work with this builder
 * and runner, and falls back with a warning instead of letting buildx drop the cache silently.
 */
import type { PlannedImage } from '../spec/types.js';
import { atLeast, canExportCache, type BuilderInfo } from './builder.js';
import type { CacheBackend } from './types.js';

export interface CachePlan {
  backend: CacheBackend;
  from: string[];
  to: string[];
  warnings: string[];
}

/** `imagespec-<image>-<platforms>`, safe in cache scopes, tags and directory names. */
export function cacheScope(planned: PlannedImage, prefix = 'imagespec-'): string {
  const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${prefix}${slug(planned.spec.id)}-${slug(planned.platforms.join('+'))}`;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** Why gha cannot be used here, or undefined when it can. */
export function ghaProblem(builder: BuilderInfo, env: NodeJS.ProcessEnv): string | undefined {
  // The runner first: outside GitHub Actions that is the reason, whatever the builder.
  const runtime = ghaRuntimeProblem(env);
  if (runtime) return runtime;
  if (!canExportCache(builder)) {
    return `builder '${builder.name}' (driver docker) cannot export a cache without the containerd image store`;
  }
  return ghaVersionProblem(builder, env);
}

/** Why the runner offers no GitHub Actions cache service (whatever the builder), or undefined when it does. */
export function ghaRuntimeProblem(env: NodeJS.ProcessEnv): string | undefined {
  if (!env['ACTIONS_RUNTIME_TOKEN'])
    return 'ACTIONS_RUNTIME_TOKEN is not set (not running in GitHub Actions?)';
  if (truthy(env['ACTIONS_CACHE_SERVICE_V2'])) {
    if (!env['ACTIONS_RESULTS_URL']) return 'ACTIONS_CACHE_SERVICE_V2 is set but ACTIONS_RESULTS_URL is not';
    return undefined;
  }
  if (!env['ACTIONS_CACHE_URL']) return 'ACTIONS_CACHE_URL is not set';
  return undefined;
}

/** Cache service v2 needs buildx >= 0.21 and BuildKit >= 0.20. */
function ghaVersionProblem(builder: BuilderInfo, env: NodeJS.ProcessEnv): string | undefined {
  if (!truthy(env['ACTIONS_CACHE_SERVICE_V2'])) return undefined;
  if (atLeast(builder.buildxVersion, [0, 21]) === false) {
    return `the runner offers cache service v2, which needs buildx >= 0.21 (found ${builder.buildxVersion})`;
  }
  if (atLeast(builder.buildkitVersion, [0, 20]) === false) {
    return `the runner offers cache service v2, which needs BuildKit >= 0.20 (found ${builder.buildkitVersion})`;
  }
  return undefined;
}

/**
 * `,version=2` when the runner offers cache service v2. buildx's own detection only accepts values Go parses as
 * booleans (`ACTIONS_CACHE_SERVICE_V2=yes` would silently select v1, which github.com no longer serves).
 */
export function ghaAttributes(env: NodeJS.ProcessEnv): string {
  return truthy(env['ACTIONS_CACHE_SERVICE_V2']) ? ',version=2' : '';
}

/**
 * `,ghtoken=…,repository=owner/name` for the export, when both a token and the repository are known and the
 * runner is github.com's (BuildKit calls api.github.com; GitHub Enterprise Server serves cache v1 anyway).
 */
export function ghaApiAttributes(token: string | undefined, env: NodeJS.ProcessEnv): string {
  const repository = env['GITHUB_REPOSITORY'];
  const server = env['GITHUB_SERVER_URL'];
  if (server && server.replace(/\/+$/, '') !== 'https://github.com') return '';
  if (!token || !repository || !/^[\w.-]+\/[\w.-]+$/.test(repository) || /[,"\s]/.test(token)) return '';
  return `,ghtoken=${token},repository=${repository}`;
}

export interface CacheInputs {
  backend: CacheBackend;
  /**
   * A GitHub token (the `github-token` input): with `type=gha`, BuildKit lists the cache's keys through the
   * GitHub API instead of one request per blob, the documented fix for the 429s the cache API answers under load.
   */
  githubToken?: string;
  prefix?: string;
  dir?: string;
  /** Where the image is pushed (`registry/name`), for `registry` caches. */
  repository: string;
  push: boolean;
}

export function planCache(
  planned: PlannedImage,
  builder: BuilderInfo,
  inputs: CacheInputs,
  env: NodeJS.ProcessEnv,
): CachePlan {
  const scope = cacheScope(planned, inputs.prefix);
  const warnings: string[] = [];
  const none = (why: string): CachePlan => ({
    backend: 'none',
    from: [],
    to: [],
    warnings: [...warnings, `cache '${inputs.backend}' not used: ${why}; building without a cache export`],
  });
  // Every export keeps all layers (mode=max) and never fails the build (ignore-error=true).
  const use = (backend: CachePlan['backend'], from: string, to: string): CachePlan => ({
    backend,
    from: [from],
    to: [`${to},mode=max,ignore-error=true`],
    warnings,
  });
  switch (inputs.backend) {
    case 'none':
      return { backend: 'none', from: [], to: [], warnings };
    case 'gha': {
      const problem = ghaProblem(builder, env);
      if (problem) return none(problem);
      const attrs = ghaAttributes(env);
      const api = ghaApiAttributes(inputs.githubToken, env);
      return use('gha', `type=gha,scope=${scope}${attrs}`, `type=gha,scope=${scope}${attrs}${api}`);
    }
    case 'registry': {
      if (!canExportCache(builder)) return none(`builder '${builder.name}' cannot export a cache`);
      if (!inputs.push) return none('a registry cache needs pushing to the registry');
      const ref = `${inputs.repository}:${scope.replace(/\+/g, '_')}`.slice(0, 255);
      return use('registry', `type=registry,ref=${ref}`, `type=registry,ref=${ref}`);
    }
    case 'local': {
      if (!canExportCache(builder)) return none(`builder '${builder.name}' cannot export a cache`);
      const dir = `${inputs.dir ?? '/tmp/imagespec-cache'}/${scope}`;
      return use('local', `type=local,src=${dir}`, `type=local,dest=${dir}`);
    }
  }
}
