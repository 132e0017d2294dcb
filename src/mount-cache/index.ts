import { mkdir, readdir, lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheReport } from '../build/types.js';
import { errorMessage } from '../errors.js';
import { extractMount, injectMount, type MountCopyOptions } from './copy.js';
import type { MountCacheKey } from './keys.js';
import { formatBytes } from './size.js';

export { mountCacheKey, type CacheMount, type MountCacheKey } from './keys.js';
export type { MountCopyOptions, DockerRunner } from './copy.js';

/** The subset of @actions/cache this feature uses (injected so tests can count calls). */
export interface CacheStore {
  restoreCache(paths: string[], key: string, restoreKeys?: string[]): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

export interface MountCacheSettings {
  /** Working directory for restored and extracted files; one sub-directory per mount. */
  workDir: string;
  /** Restore but never save (pull requests must not write the default branch's cache). */
  restoreOnly: boolean;
  /** Largest total size to save for one image, in bytes. */
  budgetBytes: number;
  copy: MountCopyOptions;
  store: CacheStore;
}

export interface MountRestore {
  key: MountCacheKey;
  /** The key that was restored: the exact key, an older entry's key, or none. */
  restoredKey?: string;
  hit: 'exact' | 'partial' | 'miss';
}

/** What a save did: the keys saved, their size, problems, and the mounts the cache service did not take. */
export interface SavedMounts {
  savedKeys: string[];
  savedBytes: number;
  warnings: string[];
  refused: string[];
}

function mountDir(settings: MountCacheSettings, key: MountCacheKey): string {
  return join(settings.workDir, key.mount.id);
}

/** Total bytes of regular files below `dir` (symlinks are not followed). */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  for (const entry of entries) {
    if (entry.isFile()) total += (await lstat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Before a build: restore each mount's last content and put it into the builder's cache mount. */
export async function restoreMountCaches(
  keys: MountCacheKey[],
  settings: MountCacheSettings,
): Promise<{ restored: MountRestore[]; warnings: string[] }> {
  const restored: MountRestore[] = [];
  const warnings: string[] = [];
  for (const key of keys) {
    const dir = mountDir(settings, key);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    try {
      const restoredKey = await settings.store.restoreCache([dir], key.key, key.restoreKeys);
      if (restoredKey === undefined) {
        restored.push({ key, hit: 'miss' });
      } else {
        await injectMount(dir, key.mount, settings.copy);
        restored.push({ key, restoredKey, hit: restoredKey === key.key ? 'exact' : 'partial' });
      }
    } catch (err) {
      restored.push({ key, hit: 'miss' });
      warnings.push(`restoring cache mount ${key.mount.id}: ${errorMessage(err)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { restored, warnings };
}

/**
 * After a build that ran: read each mount out of the builder and save it, unless the restore was an exact
 * hit (nothing new), the run may only restore, or the total exceeds the budget.
 */
export async function saveMountCaches(
  restored: MountRestore[],
  settings: MountCacheSettings,
): Promise<SavedMounts> {
  const warnings: string[] = [];
  const savedKeys: string[] = [];
  const refused: string[] = [];
  let savedBytes = 0;
  if (settings.restoreOnly) return { savedKeys, savedBytes, warnings, refused };
  const pending = restored.filter((r) => r.hit !== 'exact');
  const dirs: Array<{ restore: MountRestore; dir: string; size: number }> = [];
  try {
    for (const restore of pending) {
      const dir = mountDir(settings, restore.key);
      await rm(dir, { recursive: true, force: true });
      try {
        await extractMount(restore.key.mount, dir, settings.copy);
        dirs.push({ restore, dir, size: await treeSize(dir) });
      } catch (err) {
        warnings.push(`reading cache mount ${restore.key.mount.id}: ${errorMessage(err)}`);
      }
    }
    const total = dirs.reduce((sum, d) => sum + d.size, 0);
    if (total > settings.budgetBytes) {
      warnings.push(
        `cache mounts hold ${formatBytes(total)}, over the budget of ${formatBytes(settings.budgetBytes)}: not saved (raise 'mount-cache-budget' or trim packages)`,
      );
      return { savedKeys, savedBytes, warnings, refused };
    }
    for (const { restore, dir, size } of dirs) {
      if (size === 0) continue;
      try {
        // @actions/cache reports most failures (entry already there, write refused for a read-only token) as
        // id -1, after logging the reason itself (a warning, or a note for an entry another job is writing):
        // counted here, not warned about a second time.
        const id = await settings.store.saveCache([dir], restore.key.key);
        if (id === -1) {
          refused.push(restore.key.mount.id);
          continue;
        }
        savedKeys.push(restore.key.key);
        savedBytes += size;
      } catch (err) {
        warnings.push(`saving cache mount ${restore.key.mount.id}: ${errorMessage(err)}`);
      }
    }
  } finally {
    for (const { dir } of dirs) await rm(dir, { recursive: true, force: true });
  }
  return { savedKeys, savedBytes, warnings, refused };
}

export { formatBytes, parseSize } from './size.js';

/**
 * Whether the build ran a step that fills a cache mount. When every such step came from the layer cache
 * the mounts hold only what was restored (perhaps a partial match), which must not be saved under the exact
 * key. When the log named no mounting step, any step that ran counts.
 */
export function mountsRan(
  cache: Pick<CacheReport, 'mountSteps' | 'mountStepsRun' | 'cachedSteps' | 'totalSteps'>,
): boolean {
  if (cache.mountSteps > 0) return cache.mountStepsRun > 0;
  return cache.cachedSteps < cache.totalSteps;
}
