/**
 * The GitHub Actions cache double of the testbed, driven by the real clients: `@actions/cache` over v1 and
 * over v2 (twirp + blob upload), and the Azure Blob SDK's block upload (Put Block + Put Block List) that
 * `@actions/cache` uses for archives over 128 MiB.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { restoreCache, saveCache } from '@actions/cache';
import { BlockBlobClient } from '@azure/storage-blob';
import { readRequestLog, requireTestbed, uniqueName, type Testbed } from '../support/testbed.js';

let tb: Testbed;
let work: string;
const saved = { ...process.env };

beforeAll(async () => {
  tb = await requireTestbed();
  work = await mkdtemp(join(tmpdir(), 'imagespec-cache-'));
});

afterEach(() => {
  for (const name of [
    'ACTIONS_CACHE_URL',
    'ACTIONS_RESULTS_URL',
    'ACTIONS_CACHE_SERVICE_V2',
    'ACTIONS_RUNTIME_TOKEN',
  ]) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Saves a directory under `key`, deletes it, restores it with `restoreKeys`, and returns the restored file. */
async function roundTrip(
  key: string,
  restoreKey: string,
): Promise<{ matched: string | undefined; content: string }> {
  const dir = join(work, key);
  const file = join(dir, 'data.txt');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(file, `payload of ${key}\n`);
  const paths = [dir];
  const id = await saveCache(paths, key);
  expect(id).toBeGreaterThan(0);
  await rm(dir, { recursive: true, force: true });
  const matched = await restoreCache(paths, `${key}-missing`, [restoreKey]);
  return { matched, content: await readFile(file, 'utf8') };
}

describe('GitHub Actions cache double', () => {
  it('serves @actions/cache over v1: save, then restore by prefix', async () => {
    const ns = uniqueName('v1');
    process.env.ACTIONS_CACHE_URL = `${tb.cache.url}${ns}/`;
    process.env.ACTIONS_RUNTIME_TOKEN = tb.cache.token;
    delete process.env.ACTIONS_CACHE_SERVICE_V2;
    const key = uniqueName('smoke-v1');
    const { matched, content } = await roundTrip(key, key.slice(0, -3));
    expect(matched).toBe(key);
    expect(content).toBe(`payload of ${key}\n`);
    const log = await readRequestLog(tb.cache.log);
    expect(
      log.some((r) => r.method === 'PATCH' && r.path.startsWith(`/${ns}/_apis/artifactcache/caches/`)),
    ).toBe(true);
  });

  it('serves @actions/cache over v2 (ACTIONS_CACHE_SERVICE_V2): twirp, blob upload and download', async () => {
    process.env.ACTIONS_CACHE_SERVICE_V2 = 'true';
    process.env.ACTIONS_RESULTS_URL = tb.cache.resultsUrl;
    process.env.ACTIONS_RUNTIME_TOKEN = tb.cache.token;
    delete process.env.ACTIONS_CACHE_URL;
    const key = uniqueName('smoke-v2');
    const before = (await readRequestLog(tb.cache.log)).length;
    const { matched, content } = await roundTrip(key, key.slice(0, -3));
    expect(matched).toBe(key);
    expect(content).toBe(`payload of ${key}\n`);
    // The double appends each request to its log when the response has finished, which can come a moment after
    // the client has its bytes: read until the download's line is there (or give up after a few seconds).
    let paths: string[] = [];
    for (let i = 0; i < 50; i++) {
      paths = (await readRequestLog(tb.cache.log)).slice(before).map((r) => `${r.method} ${r.path}`);
      if (paths.some((p) => p.startsWith('GET /_blob/'))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const twirp = '/twirp/github.actions.results.api.v1.CacheService';
    expect(paths).toContain(`POST ${twirp}/CreateCacheEntry`);
    expect(paths).toContain(`POST ${twirp}/FinalizeCacheEntryUpload`);
    expect(paths).toContain(`POST ${twirp}/GetCacheEntryDownloadURL`);
    expect(paths.some((p) => p.startsWith('PUT /_blob/'))).toBe(true);
    expect(paths.some((p) => p.startsWith('GET /_blob/'))).toBe(true);
  });

  it('assembles a v2 blob from Put Block and Put Block List sent by the Azure Blob SDK', async () => {
    const twirp = `${tb.cache.resultsUrl}twirp/github.actions.results.api.v1.CacheService`;
    const call = async (method: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${twirp}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tb.cache.token}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const key = uniqueName('smoke-blocks');
    const created = await call('CreateCacheEntry', { key, version: 'v-blocks' });
    expect(created.ok).toBe(true);
    const data = Buffer.alloc(10_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    const blob = new BlockBlobClient(String(created.signed_upload_url));
    const before = (await readRequestLog(tb.cache.log)).length;
    await blob.uploadData(data, { blockSize: 1024, maxSingleShotSize: 1024, concurrency: 4 });
    const puts = (await readRequestLog(tb.cache.log)).slice(before).filter((r) => r.method === 'PUT');
    expect(puts.filter((r) => /comp=block(&|$)/.test(r.query ?? ''))).toHaveLength(10);
    expect(puts.filter((r) => r.query?.includes('comp=blocklist'))).toHaveLength(1);
    const finalized = await call('FinalizeCacheEntryUpload', {
      key,
      version: 'v-blocks',
      size_bytes: data.length,
    });
    expect(finalized.ok).toBe(true);
    const found = await call('GetCacheEntryDownloadURL', {
      key: 'nope',
      restore_keys: [key],
      version: 'v-blocks',
    });
    expect(found.matched_key).toBe(key);
    const download = await fetch(String(found.signed_download_url));
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
    const ranged = await fetch(String(found.signed_download_url), { headers: { range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${data.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(100, 200))).toBe(true);
  });
});
