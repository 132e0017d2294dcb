/**
 * Cache mounts kept between runs (docs/mount-cache.md), end to end: the action bundled from src/main.ts and run
 * as the GitHub runner runs it, real buildx on the real engine, @actions/cache against the cache service double
 * over v1 and v2, and pip installing from a package index of this test's own (the testbed's index server on
 * another port, so its request log holds only this test's downloads and tells what pip fetched).
 *
 * Every build after the first runs on a wiped builder, as on a fresh runner: the image, its build records and
 * the builder's `imagespec-pip` cache mount are removed (the mount by its record id, checked to be gone).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle as bundleEntry } from '../support/bundle.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../src/docker/cli.js';
import { extractMount, injectMount, type MountCopyOptions } from '../../src/mount-cache/copy.js';
import {
  actionEnv,
  bigWheel,
  eventPayload,
  parseOutputs,
  pruneRecords,
  removeCacheMounts,
  startOwnIndex,
  wipeBuilder,
  type CacheProtocol,
  type OwnIndex,
} from '../support/mount-cache.js';
import { readRequestLog, removeImages, requireTestbed, run, type Testbed } from '../support/testbed.js';
import { buildWheel } from '../support/wheel.js';

const runId = randomBytes(4).toString('hex');
/** In every package name, so the pip step's build records carry it. */
const marker = `mc${runId}`;
const BIG = [`${marker}-big-a`, `${marker}-big-b`];
const SMALL = `${marker}-small`;
const PIP_MOUNT = 'imagespec-pip';

let tb: Testbed;
let index: OwnIndex;
let root: string;
let bundle: string;
const createdRefs: string[] = [];

interface CacheEntry {
  key: string;
  namespace: string;
}

async function cacheEntries(image: string): Promise<CacheEntry[]> {
  const res = await fetch(tb.cache.entriesUrl);
  const all = (await res.json()) as CacheEntry[];
  return all.filter((e) => e.key.startsWith(`imagespec-mount-${image}-`));
}

const cacheLogLength = async (): Promise<number> => (await readRequestLog(tb.cache.log)).length;

function spec(image: string, smallVersion: string): string {
  return [
    `name: ${image}`,
    `base_image: ${tb.mirror}/testbed/debian-python3:bookworm`,
    'python_installer: pip',
    `packages: [${BIG.join(', ')}, ${SMALL}==${smallVersion}]`,
    `pip_index: ${index.url}`,
    // pip caches downloads only from https indexes and trusted hosts; the loopback index is plain http.
    `pip_extra_args: --trusted-host ${new URL(index.url).host}`,
    'builder_options: {network: host}',
    '',
  ].join('\n');
}

const wheelFile = (name: string, version: string): string =>
  `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
const bigFiles = BIG.map((name) => wheelFile(name, '1.0.0'));

interface ActionResult {
  code: number;
  log: string;
  outputs: Record<string, string>;
  summary: string;
  downloaded: string[];
}

/** One runner, one image: runs the action again and again with the same RUNNER_TEMP and cache namespace. */
class Runner {
  readonly image: string;
  private readonly namespace: string;
  private dir = '';

  constructor(readonly protocol: CacheProtocol) {
    this.image = `${marker}-${protocol}`;
    this.namespace = `${marker}-${protocol}`;
  }

  async action(
    smallVersion: string,
    opts: {
      eventName?: 'push' | 'pull_request';
      inputs?: Record<string, string>;
      runtimeToken?: string;
    } = {},
  ): Promise<ActionResult> {
    if (!this.dir) this.dir = await mkdtemp(path.join(root, `${this.protocol}-`));
    const ws = path.join(this.dir, 'workspace');
    const runnerTemp = path.join(this.dir, 'temp');
    const step = await mkdtemp(path.join(this.dir, 'step-'));
    const files = {
      output: path.join(step, 'output'),
      summary: path.join(step, 'summary'),
      event: path.join(step, 'event.json'),
    };
    const eventName = opts.eventName ?? 'push';
    await mkdir(ws, { recursive: true });
    await mkdir(runnerTemp, { recursive: true });
    await mkdir(path.join(step, 'docker'));
    await writeFile(path.join(step, 'docker', 'config.json'), '{}');
    await writeFile(path.join(ws, 'imagespec.yaml'), spec(this.image, smallVersion));
    await Promise.all([
      writeFile(files.output, ''),
      writeFile(files.summary, ''),
      writeFile(files.event, eventPayload(eventName)),
    ]);
    const mark = await index.mark();
    const env = actionEnv({
      tb,
      protocol: this.protocol,
      namespace: this.namespace,
      workspace: ws,
      runnerTemp,
      files,
      eventName,
      dockerConfig: path.join(step, 'docker'),
      ...(opts.runtimeToken ? { runtimeToken: opts.runtimeToken } : {}),
      // No layer cache: the cache service then sees only the cache mounts' entries, and no step is skipped.
      inputs: { cache: 'none', ...opts.inputs },
    });
    const result = await run(process.execPath, [bundle], { cwd: ws, env });
    const outputs = parseOutputs(await readFile(files.output, 'utf8'));
    if (outputs.image) createdRefs.push(outputs.image);
    return {
      code: result.code,
      log: result.stdout + result.stderr,
      outputs,
      summary: await readFile(files.summary, 'utf8'),
      downloaded: (await index.downloads(mark)).map((d) => d.file),
    };
  }

  /** A fresh runner's builder: no image, no build records, an empty pip cache mount. */
  async wipe(): Promise<void> {
    // Removing the builder's cache mounts is what a new runner starts with; only the pip mount's record goes.
    await wipeBuilder(marker, createdRefs, [PIP_MOUNT]);
  }
}

beforeAll(async () => {
  tb = await requireTestbed();
  root = await mkdtemp(path.join(tmpdir(), 'imagespec-mount-cache-e2e-'));
  bundle = await bundleEntry('action', root);
  index = await startOwnIndex();
  for (const name of BIG) await index.add(bigWheel(name, '1.0.0', 1536 * 1024));
  for (const version of ['1.0.0', '2.0.0', '3.0.0', '4.0.0'])
    await index.add(buildWheel({ name: SMALL, version }));
}, 120_000);

afterAll(async () => {
  await removeImages(createdRefs);
  await pruneRecords(marker);
  // The records of the throwaway builds that move files in and out of cache mounts.
  await pruneRecords('/imagespec-restore');
  await pruneRecords('/imagespec-out');
  await index?.close();
  await rm(root, { recursive: true, force: true });
});

describe.each(['v1', 'v2'] as const)('pip cache mount kept with cache service %s', (protocol) => {
  const runner = new Runner(protocol);

  it('first build downloads every wheel and saves the pip cache mount', async () => {
    await runner.wipe();
    const first = await runner.action('1.0.0');
    expect(first.code, first.log).toBe(0);
    expect(first.outputs.built).toBe('true');
    expect(first.downloaded).toEqual(expect.arrayContaining([...bigFiles, wheelFile(SMALL, '1.0.0')]));
    const entries = await cacheEntries(runner.image);
    expect(
      entries.map((e) => e.key),
      first.log,
    ).toEqual([expect.stringContaining(`-${PIP_MOUNT}-`)]);
    expect(entries[0]?.namespace).toBe(protocol === 'v1' ? `/${runner.image}/` : 'v2');
    expect(first.summary).toMatch(/mounts: pip miss; saved 1 \([\d.]+ MiB of 2\.0 GiB budget\)/);
  });

  if (protocol === 'v1') {
    it('without the feature, a changed package on a wiped builder downloads every wheel again', async () => {
      await runner.wipe();
      const control = await runner.action('4.0.0', { inputs: { 'mount-cache': 'false' } });
      expect(control.code, control.log).toBe(0);
      expect(control.outputs.built).toBe('true');
      expect(control.downloaded).toEqual(expect.arrayContaining(bigFiles));
      expect(control.summary).not.toContain('mounts:');
    });
  }

  it('a changed package on a wiped builder finds the unchanged wheels in the restored cache mount', async () => {
    await runner.wipe();
    const second = await runner.action('2.0.0');
    expect(second.code, second.log).toBe(0);
    expect(second.outputs.built).toBe('true');
    // pip reran (the new version came from the index) but took the unchanged wheels from its cache.
    expect(second.downloaded).toEqual([wheelFile(SMALL, '2.0.0')]);
    expect(second.summary).toMatch(/mounts: pip partial; saved 1 /);
    // The image really holds the unchanged packages.
    const check = await run('docker', [
      'run',
      '--rm',
      second.outputs.image ?? '',
      'python',
      '-c',
      `import ${BIG.map((n) => n.replace(/-/g, '_')).join(', ')}; print('ok')`,
    ]);
    expect(check.stdout.trim(), check.stderr).toBe('ok');
    expect(await cacheEntries(runner.image)).toHaveLength(2);
  });

  it('a pull request restores the cache mount but saves nothing', async () => {
    await runner.wipe();
    const before = await cacheEntries(runner.image);
    const logMark = await cacheLogLength();
    const pr = await runner.action('3.0.0', { eventName: 'pull_request' });
    expect(pr.code, pr.log).toBe(0);
    expect(pr.outputs.built).toBe('true');
    expect(pr.downloaded).toEqual([wheelFile(SMALL, '3.0.0')]);
    expect(pr.summary).toMatch(/mounts: pip partial; restore only/);
    expect(await cacheEntries(runner.image)).toEqual(before);
    const requests = (await readRequestLog(tb.cache.log)).slice(logMark);
    const lookups = requests.filter((r) =>
      protocol === 'v1'
        ? r.method === 'GET' && r.path === `/${runner.image}/_apis/artifactcache/cache`
        : r.path.endsWith('/GetCacheEntryDownloadURL'),
    );
    expect(lookups.length).toBeGreaterThan(0);
    const writes = requests.filter((r) =>
      protocol === 'v1'
        ? r.path.startsWith(`/${runner.image}/_apis/artifactcache/caches`)
        : (r.path.endsWith('/CreateCacheEntry') || r.path.endsWith('/FinalizeCacheEntryUpload')) &&
          // Other tests share the v2 service: only this runner's keys count.
          (r.key ?? '').includes(runner.image),
    );
    expect(writes).toEqual([]);
  });

  it('an exact hit takes every wheel from the cache and saves nothing', async () => {
    await runner.wipe();
    const before = await cacheEntries(runner.image);
    const again = await runner.action('2.0.0');
    expect(again.code, again.log).toBe(0);
    expect(again.outputs.built).toBe('true');
    expect(again.downloaded).toEqual([]);
    expect(again.summary).toMatch(/mounts: pip exact; nothing to save/);
    expect(await cacheEntries(runner.image)).toEqual(before);
  });

  if (protocol === 'v1') {
    it('a cache over the budget is not saved, with a warning; the build still succeeds', async () => {
      const before = await cacheEntries(runner.image);
      const over = await runner.action('4.0.0', { inputs: { 'mount-cache-budget': '1KiB' } });
      expect(over.code, over.log).toBe(0);
      expect(over.outputs.built).toBe('true');
      expect(over.summary).toMatch(/over the budget of 1\.0 KiB: not saved \(raise 'mount-cache-budget'/);
      expect(over.log).toMatch(/::warning::.*over the budget of 1\.0 KiB/);
      expect(await cacheEntries(runner.image)).toEqual(before);
    });
  }

  it('a read-only cache token (untrusted trigger): the save is refused with one warning, the build is green', async () => {
    await runner.wipe();
    const before = await cacheEntries(runner.image);
    const logMark = await cacheLogLength();
    const ro = await runner.action('4.0.0', { runtimeToken: tb.cache.readOnlyToken });
    expect(ro.code, ro.log).toBe(0);
    expect(ro.outputs.built).toBe('true');
    const refused = (await readRequestLog(tb.cache.log))
      .slice(logMark)
      .filter((r) =>
        protocol === 'v1'
          ? r.method === 'POST' && r.path === `/${runner.image}/_apis/artifactcache/caches`
          : r.path.endsWith('/CreateCacheEntry') && (r.key ?? '').includes(runner.image),
      );
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 403)).toBe(true);
    // One warning about the refused save (not one from the cache library and another of ours).
    const warnings = ro.log.split('\n').filter((l) => l.startsWith('::warning') && /sav(e|ing)/i.test(l));
    expect(warnings, ro.log).toHaveLength(1);
    expect(warnings[0]).toMatch(/Failed to save/);
    expect(ro.summary).toMatch(/mounts: pip \w+; not saved: the cache service did not take pip/);
    expect(await cacheEntries(runner.image)).toEqual(before);
  });
});

describe('moving files in and out of a builder cache mount', () => {
  const mount = { id: `${marker}-copy`, target: '/unused' };
  const copy: MountCopyOptions = {
    helperImage: 'debian:bookworm-slim',
    run: async (args) => {
      const r = await docker(args);
      return { code: r.code, output: `${r.stdout}\n${r.stderr}` };
    },
  };

  afterAll(async () => {
    await removeCacheMounts([mount.id]);
  });

  it('fills the mount with files owned by root, whoever owned them on the runner, and reads them back', async () => {
    const restored = await mkdtemp(path.join(root, 'restored-'));
    const blob = randomBytes(300_000);
    await mkdir(path.join(restored, 'http', 'a'), { recursive: true });
    await writeFile(path.join(restored, 'http', 'a', 'entry'), blob);
    // Files restored on a GitHub runner belong to its user (uid 1001).
    await run('chown', ['-R', '1001:1001', restored]);
    await injectMount(restored, mount, copy);

    const ctx = await mkdtemp(path.join(root, 'probe-'));
    await writeFile(
      path.join(ctx, 'Dockerfile'),
      [
        'FROM debian:bookworm-slim',
        `RUN --mount=type=cache,id=${mount.id},target=/c,sharing=locked echo ${randomBytes(6).toString('hex')} && stat -c 'owner %u %n' /c /c/http/a/entry`,
        '',
      ].join('\n'),
    );
    const probe = await run('docker', [
      'buildx',
      'build',
      '--progress=plain',
      '--output',
      'type=cacheonly',
      ctx,
    ]);
    expect(probe.code, probe.stderr).toBe(0);
    expect(probe.stderr).toMatch(/owner 0 \/c\n/);
    expect(probe.stderr).toMatch(/owner 0 \/c\/http\/a\/entry\n/);

    const out = path.join(root, `extracted-${randomBytes(3).toString('hex')}`);
    await extractMount(mount, out, copy);
    expect((await readFile(path.join(out, 'http', 'a', 'entry'))).equals(blob)).toBe(true);
  });
});
