import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRecord } from '../../src/hash/record.js';
import type { CacheStore } from '../../src/mount-cache/index.js';
import { planTags } from '../../src/pipeline.js';
import { rebuildReason, withRecordLabel } from '../../src/records/index.js';
import { cacheRecordStore, recordKeyPrefix } from '../../src/records/store.js';
import { RECORD_LABEL, parseRecord } from '../../src/hash/record.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-records-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The GitHub cache service's rules in memory: entries are immutable, a restore matches the key exactly and
 * then each restore key as a prefix, newest first.
 */
function memoryCache(): CacheStore & { keys: string[] } {
  const entries: Array<{ key: string; files: Map<string, string> }> = [];
  const store = {
    keys: [] as string[],
    async saveCache(paths: string[], key: string) {
      if (entries.some((e) => e.key === key)) return -1;
      const files = new Map<string, string>();
      for (const p of paths) files.set(p, await readFile(p, 'utf8'));
      entries.push({ key, files });
      store.keys.push(key);
      return entries.length;
    },
    async restoreCache(paths: string[], key: string, restoreKeys: string[] = []) {
      const hit =
        entries.find((e) => e.key === key) ??
        restoreKeys.map((k) => [...entries].reverse().find((e) => e.key.startsWith(k))).find(Boolean);
      if (!hit) return undefined;
      for (const p of paths) {
        const text = hit.files.get(p);
        if (text !== undefined) await writeFile(p, text);
      }
      return hit.key;
    },
  };
  return store;
}

async function planned(packages: string) {
  const specDir = path.join(dir, 'spec');
  await mkdir(specDir, { recursive: true });
  await writeFile(
    path.join(specDir, 'imagespec.yaml'),
    `name: app\nregistry: ghcr.io/acme\npackages: [${packages}]\n`,
  );
  const [p] = await planTags(path.join(specDir, 'imagespec.yaml'), { flavor: 'generic' });
  return p!;
}

describe('explain records in the Actions cache', () => {
  it('first build, then the changes since the last build on the branch; a pull request falls back to its base', async () => {
    const cache = memoryCache();
    const main = cacheRecordStore({ dir: path.join(dir, 'records'), branch: 'main', store: cache });
    const v1 = await planned('a==1');
    expect((await rebuildReason(main, v1, explainRecord(v1))).changes).toBeNull();
    expect(await main.save(v1, explainRecord(v1))).toBeUndefined();
    expect(cache.keys[0]).toBe(`${recordKeyPrefix('ghcr.io/acme/app', 'main')}${v1.tag}`);

    const v2 = await planned('a==2');
    const why = await rebuildReason(main, v2, explainRecord(v2));
    expect(why.changes!.map((c) => c.text)).toEqual(['packages: + a==2, − a==1']);
    await main.save(v2, explainRecord(v2));

    const feature = cacheRecordStore({ dir: path.join(dir, 'records'), branch: 'feature/x', store: cache });
    expect((await rebuildReason(feature, v1, explainRecord(v1))).changes).toBeNull();
    const pr = cacheRecordStore({
      dir: path.join(dir, 'records'),
      branch: 'feature/x',
      baseBranch: 'main',
      store: cache,
    });
    const fromBase = await rebuildReason(pr, v1, explainRecord(v1));
    expect(fromBase.changes!.map((c) => c.text)).toEqual(['packages: + a==1, − a==2']);
  });

  it('a cache failure is a warning, never an error', async () => {
    const broken: CacheStore = {
      restoreCache: () => Promise.reject(new Error('service down')),
      saveCache: () => Promise.reject(new Error('service down')),
    };
    const store = cacheRecordStore({ dir: path.join(dir, 'broken'), branch: 'main', store: broken });
    const p = await planned('a==1');
    const why = await rebuildReason(store, p, explainRecord(p));
    expect(why.changes).toBeNull();
    expect(why.warning).toContain('service down');
    expect(await store.save(p, explainRecord(p))).toContain('service down');
  });

  it('the record rides along as a label next to the other labels', async () => {
    const p = await planned('a==1');
    const labels = withRecordLabel({ team: 'ml' }, explainRecord(p));
    expect(labels.team).toBe('ml');
    expect(parseRecord(labels[RECORD_LABEL])).toEqual(explainRecord(p));
  });
});
