/**
 * Explain records of earlier builds, kept in the GitHub Actions cache keyed by image and branch, so a
 * rebuild can say what changed since the last image built from the same spec on the same branch. A pull
 * request falls back to its base branch's record. Every cache problem is a warning: a record never fails
 * a build.
 */
import * as cache from '@actions/cache';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { parseRecord, serializeRecord } from '../hash/record.js';
import type { CacheStore } from '../mount-cache/index.js';
import type { PlannedImage } from '../spec/types.js';
import type { RecordStore } from './index.js';

export interface CacheRecordStoreOptions {
  /** Directory for the record files (stable across runs: the cache version hashes the path). */
  dir: string;
  /** The branch being built (GITHUB_HEAD_REF for pull requests, else GITHUB_REF_NAME). */
  branch: string;
  /** The base branch of a pull request, searched when the branch has no record yet. */
  baseBranch?: string;
  store?: CacheStore;
}

/** Cache keys stay well below the service's 512-character limit whatever the names. */
function part(text: string, max: number): string {
  const slug = text.replace(/[^A-Za-z0-9._-]+/g, '_');
  if (slug.length <= max) return slug;
  return `${slug.slice(0, max - 13)}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/** The key prefix of one image's records on one branch; the exact key adds the content tag. */
export function recordKeyPrefix(repository: string, branch: string): string {
  return `imagespec-explain-v1-${part(repository, 200)}-${part(branch, 120)}-`;
}

/** The records in the GitHub Actions cache (the action's store). */
export function cacheRecordStore(opts: CacheRecordStoreOptions): RecordStore {
  const store: CacheStore = opts.store ?? {
    restoreCache: (paths, key, restoreKeys) => cache.restoreCache(paths, key, restoreKeys),
    saveCache: (paths, key) => cache.saveCache(paths, key),
  };
  const fileOf = (p: PlannedImage): string => join(opts.dir, `${part(p.repository, 120)}.json`);
  return {
    async previous(p) {
      const file = fileOf(p);
      const prefixes = [recordKeyPrefix(p.repository, opts.branch)];
      if (opts.baseBranch && opts.baseBranch !== opts.branch) {
        prefixes.push(recordKeyPrefix(p.repository, opts.baseBranch));
      }
      try {
        await rm(file, { force: true });
        await mkdir(opts.dir, { recursive: true });
        const hit = await store.restoreCache([file], prefixes[0]!, prefixes);
        if (!hit) return {};
        const record = parseRecord(await readFile(file, 'utf8').catch(() => undefined));
        return record ? { record } : { warning: `the cached explain record ${hit} is not readable` };
      } catch (err) {
        return {
          warning: `the explain record of the last build could not be restored: ${errorMessage(err)}`,
        };
      }
    },
    async save(p, record) {
      const file = fileOf(p);
      try {
        await mkdir(opts.dir, { recursive: true });
        await writeFile(file, serializeRecord(record));
        // An entry of the same key (the same tag built again) already holds the same record: id -1, fine.
        await store.saveCache([file], `${recordKeyPrefix(p.repository, opts.branch)}${part(p.tag, 128)}`);
        return undefined;
      } catch (err) {
        return `the explain record could not be saved in the cache: ${errorMessage(err)}`;
      }
    },
  };
}
