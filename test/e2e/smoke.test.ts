/**
 * Proves the testbed: real buildx on the real engine, the offline Docker Hub mirror, the token registry,
 * the GitHub Actions cache double and the package index. Each test removes exactly what it created.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildContext,
  buildRecords,
  DockerClient,
  headManifest,
  pruneBuildRecords,
  readRequestLog,
  registryToken,
  removeImages,
  requireTestbed,
  uniqueName,
  type Testbed,
} from '../support/testbed.js';
import { buildWheel, moduleName } from '../support/wheel.js';

let tb: Testbed;
let client: DockerClient;
const markers: string[] = [];
const images: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  tb = await requireTestbed();
  client = await DockerClient.create();
});

afterAll(async () => {
  await removeImages(images);
  for (const m of markers) await pruneBuildRecords(m);
  for (const c of cleanups) await c();
  await client?.dispose();
});

/** A marker unique to one test; every RUN step carries it so its build records can be found and removed. */
function marker(prefix: string): string {
  const m = uniqueName(prefix);
  markers.push(m);
  return m;
}

/** The step numbers of RUN steps and of steps that reported CACHED, from plain progress output. */
function steps(log: string): { run: string[]; cached: Set<string> } {
  const run = [...log.matchAll(/^#(\d+) \[[^\]]*\] RUN /gm)].map((m) => m[1] as string);
  const cached = new Set([...log.matchAll(/^#(\d+) CACHED$/gm)].map((m) => m[1] as string));
  return { run: [...new Set(run)], cached };
}

describe('testbed smoke', () => {
  it('builds FROM debian:bookworm-slim through the mirror and apt-get installs a package whose binary runs', async () => {
    const m = marker('smoke-apt');
    const tag = `imagespec-smoke/${m}:latest`;
    images.push(tag);
    const ctx = await buildContext({
      Dockerfile: `FROM debian:bookworm-slim\nRUN echo ${m} > /marker && apt-get update && apt-get install -y --no-install-recommends hello && rm -rf /var/lib/apt/lists/*\n`,
    });
    cleanups.push(() => rm(ctx, { recursive: true, force: true }));
    const build = await client.build(['--load', '-t', tag, ctx]);
    expect(build.code, build.stderr).toBe(0);
    const out = await client.docker(['run', '--rm', tag, 'hello']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe('Hello, world!');
    const pkg = await client.docker(['run', '--rm', tag, 'dpkg-query', '-W', '-f=${Status}', 'hello']);
    expect(pkg.stdout).toBe('install ok installed');
  });

  it('pushes to the token registry after login; HEAD answers 200 with a digest, anonymous HEAD on a private repository 401', async () => {
    const m = marker('smoke-push');
    const repo = `smoke/${m}`;
    const ref = `${tb.token.registry}/${repo}:v1`;
    images.push(ref);
    const login = await client.login(tb.token.registry, tb.token.user, tb.token.password);
    expect(login.code, login.stderr).toBe(0);
    const ctx = await buildContext({ Dockerfile: `FROM debian:bookworm-slim\nRUN echo ${m} > /marker\n` });
    cleanups.push(() => rm(ctx, { recursive: true, force: true }));
    const build = await client.build(['--push', '-t', ref, ctx]);
    expect(build.code, build.stderr).toBe(0);

    const token = await registryToken(tb, repo, 'pull', { user: tb.token.user, password: tb.token.password });
    const head = await headManifest(tb.token.registry, repo, 'v1', `Bearer ${token}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toMatch(/^sha256:[0-9a-f]{64}$/);

    // Anonymous: no Authorization at all, and an anonymous token (which carries no access to private repositories).
    expect((await headManifest(tb.token.registry, repo, 'v1')).status).toBe(401);
    const anonymous = await registryToken(tb, repo, 'pull');
    expect((await headManifest(tb.token.registry, repo, 'v1', `Bearer ${anonymous}`)).status).toBe(401);

    // Leave the shared registry as it was.
    const digest = head.headers.get('docker-content-digest') as string;
    const del = await registryToken(tb, repo, 'delete', { user: tb.token.user, password: tb.token.password });
    const deleted = await fetch(`http://${tb.token.registry}/v2/${repo}/manifests/${digest}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${del}` },
    });
    expect(deleted.status).toBe(202);
  });

  it('exports to the gha cache double with mode=max and a rebuild from --cache-from alone reports every RUN step CACHED', async () => {
    const m = marker('smoke-gha');
    const tag = `imagespec-smoke/${m}:latest`;
    images.push(tag);
    // A cache URL path of its own keeps this test's entries apart from everything else on the double.
    const env = { ACTIONS_CACHE_URL: `${tb.cache.url}${m}/`, ACTIONS_RUNTIME_TOKEN: tb.cache.token };
    const ctx = await buildContext({
      Dockerfile: [
        'FROM debian:bookworm-slim',
        `RUN echo ${m} one > /one`,
        `RUN echo ${m} two > /two && cat /one /two > /both`,
        `RUN echo ${m} three && wc -c /both > /size`,
        '',
      ].join('\n'),
    });
    cleanups.push(() => rm(ctx, { recursive: true, force: true }));

    const cold = await client.build(
      ['--load', '-t', tag, '--cache-to', `type=gha,scope=${m},mode=max`, ctx],
      { env },
    );
    expect(cold.code, cold.stderr).toBe(0);
    const first = steps(cold.stderr);
    expect(first.run).toHaveLength(3);
    expect(first.run.filter((step) => first.cached.has(step))).toEqual([]);
    const out = await client.docker(['run', '--rm', tag, 'cat', '/both']);
    expect(out.stdout).toBe(`${m} one\n${m} two\n`);
    const exported = await readRequestLog(tb.cache.log);
    const commits = exported.filter(
      (r) => r.method === 'POST' && r.path.startsWith(`/${m}/_apis/artifactcache/caches/`),
    );
    expect(commits.length).toBeGreaterThanOrEqual(4); // three layers and the index

    await removeImages([tag]);
    await pruneBuildRecords(m);
    expect(await buildRecords(m)).toEqual([]);

    const before = (await readRequestLog(tb.cache.log)).length;
    // Cache-only output: exporting an image (the docker driver does by default) pulls the last layer lazily
    // under the last step, which then reports that download instead of CACHED. The cold build above already
    // proved the image's content.
    const warm = await client.build(
      ['--output', 'type=cacheonly', '--cache-from', `type=gha,scope=${m}`, ctx],
      {
        env,
      },
    );
    expect(warm.code, warm.stderr).toBe(0);
    const { run, cached } = steps(warm.stderr);
    expect(run).toHaveLength(3);
    for (const step of run) expect(cached.has(step), `step #${step} not CACHED:\n${warm.stderr}`).toBe(true);
    const downloads = (await readRequestLog(tb.cache.log))
      .slice(before)
      .filter((r) => r.method === 'GET' && r.path.startsWith('/_download/') && r.status < 300);
    expect(downloads.length).toBeGreaterThan(0);
  });

  it('pip installs from the loopback index in a build with --network host and the package imports in the image', async () => {
    const m = marker('smoke-pip');
    const name = `smoke-pkg-${m.split('-').pop()}`;
    const wheel = buildWheel({ name, version: '0.3.0', requires: ['tb-hello==1.1.0'] });
    const wheelPath = join(tb.index.dir, wheel.filename);
    await writeFile(wheelPath, wheel.data);
    cleanups.push(() => rm(wheelPath, { force: true }));
    const tag = `imagespec-smoke/${m}:latest`;
    images.push(tag);
    const ctx = await buildContext({
      Dockerfile: [
        'FROM python:3.11-slim-bookworm',
        `RUN echo ${m} && pip install --no-cache-dir --index-url ${tb.index.url} ${name}==0.3.0`,
        '',
      ].join('\n'),
    });
    cleanups.push(() => rm(ctx, { recursive: true, force: true }));
    const build = await client.build(['--network', 'host', '--load', '-t', tag, ctx]);
    expect(build.code, build.stderr).toBe(0);
    const mod = moduleName(name);
    const out = await client.docker([
      'run',
      '--rm',
      tag,
      'python3',
      '-c',
      `import ${mod}, tb_hello; print(${mod}.greet()); print(tb_hello.__version__)`,
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`hello from ${name} 0.3.0\n1.1.0\n`);
    const downloaded = (await readRequestLog(tb.index.log))
      .filter((r) => r.status === 200)
      .map((r) => r.path);
    expect(downloaded).toContain(`/files/${wheel.filename}`);
    expect(downloaded).toContain('/files/tb_hello-1.1.0-py3-none-any.whl');
  });
});
