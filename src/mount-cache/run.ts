/**
 * Keeps the download caches of a build (the BuildKit cache mounts of the generated Dockerfile: pip, uv, apt,
 * micromamba, poetry) between CI runs with @actions/cache. Before a build each mount is restored and put into
 * the builder; after a build that ran, it is read out and saved under a key that hashes what fills it.
 */
import * as cache from '@actions/cache';
import { join } from 'node:path';
import { docker } from '../docker/cli.js';
import type { BuildContext } from '../render/types.js';
import {
  formatBytes,
  mountCacheKey,
  restoreMountCaches,
  saveMountCaches,
  type CacheStore,
  type MountCacheKey,
  type MountRestore,
} from './index.js';

/** Which spec fields decide the content of each cache mount. */
const FILLED_BY: Record<string, readonly string[]> = {
  'imagespec-apt-cache': ['apt_packages', 'base_image'],
  'imagespec-apt-lists': ['apt_packages', 'base_image'],
  'imagespec-micromamba': ['conda_packages', 'conda_channels', 'python_version'],
};
const PYTHON_FIELDS = [
  'packages',
  'requirements',
  'pip_index',
  'pip_extra_index_url',
  'pip_extra_args',
  'python_version',
];

export interface MountCacheRunnerOptions {
  workDir: string;
  restoreOnly: boolean;
  budgetBytes: number;
  helperImage: string;
  env?: NodeJS.ProcessEnv;
  store?: CacheStore;
}

export interface MountCacheState {
  ctx: BuildContext;
  builder: string;
  restored: MountRestore[];
  warnings: string[];
}

export interface MountCacheLine {
  summary: string;
  warnings: string[];
}

/**
 * The two hooks the run calls around each build; `after` saves only when `ran` (see `mountsRan` in index.ts).
 * `before` may answer undefined: no cache for this build (then `after` is not called).
 */
export interface MountCacheRunner {
  before(ctx: BuildContext, builder: string): Promise<MountCacheState | undefined>;
  after(state: MountCacheState, ran?: boolean): Promise<MountCacheLine>;
}

/** What fills a mount: the values of the fields it depends on, as hashed for the tag. */
function fillOf(ctx: BuildContext, mountId: string): string {
  const fields = FILLED_BY[mountId] ?? PYTHON_FIELDS;
  return ctx.planned.inputs
    .filter((input) => fields.includes(input.field))
    .map((input) => `${input.field}=${input.value}`)
    .join('\n');
}

/** The cache key of every cache mount a build uses. */
export function mountKeys(ctx: BuildContext): MountCacheKey[] {
  return ctx.cacheMounts.map((mount) =>
    mountCacheKey(ctx.planned.repository, ctx.platforms, mount, fillOf(ctx, mount.id)),
  );
}

export function mountCacheRunner(opts: MountCacheRunnerOptions): MountCacheRunner {
  const store: CacheStore = opts.store ?? {
    restoreCache: (paths, key, restoreKeys) => cache.restoreCache(paths, key, restoreKeys),
    saveCache: (paths, key) => cache.saveCache(paths, key),
  };
  const settings = (builder: string, id: string) => ({
    workDir: join(opts.workDir, id),
    restoreOnly: opts.restoreOnly,
    budgetBytes: opts.budgetBytes,
    store,
    copy: {
      helperImage: opts.helperImage,
      builder,
      run: async (args: string[]) => {
        const r = await docker(args, opts.env ? { env: opts.env } : {});
        return { code: r.code, output: `${r.stdout}\n${r.stderr}` };
      },
    },
  });
  return {
    async before(ctx, builder) {
      const { restored, warnings } = await restoreMountCaches(
        mountKeys(ctx),
        settings(builder, ctx.planned.spec.id),
      );
      return { ctx, builder, restored, warnings };
    },
    async after(state, ran = true) {
      const saved = ran
        ? await saveMountCaches(state.restored, settings(state.builder, state.ctx.planned.spec.id))
        : { savedKeys: [], savedBytes: 0, warnings: [], refused: [] };
      const hits = state.restored
        .map((r) => `${r.key.mount.id.replace(/^imagespec-/, '')} ${r.hit}`)
        .join(', ');
      const savedText = opts.restoreOnly
        ? 'restore only'
        : !ran
          ? 'not saved: every step using them came from the layer cache'
          : saved.savedKeys.length > 0
            ? `saved ${saved.savedKeys.length} (${formatBytes(saved.savedBytes)} of ${formatBytes(opts.budgetBytes)} budget)`
            : saved.refused.length > 0
              ? `not saved: the cache service did not take ${saved.refused.map((m) => m.replace(/^imagespec-/, '')).join(', ')} (see the log)`
              : 'nothing to save';
      return {
        summary: state.restored.length > 0 ? `mounts: ${hits}; ${savedText}` : 'mounts: none',
        warnings: [...state.warnings, ...saved.warnings],
      };
    },
  };
}
