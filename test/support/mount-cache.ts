/**
 * Helpers shared by the cache-mount e2e test and benchmark: wheels of a chosen size, a package index of the
 * caller's own (its request log then holds only the caller's downloads), the runner environment the action
 * reads, and wiping the builder of what a build left behind (image, build records, cache mounts).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIndexServer } from './index-server.js';
import { readRequestLog, removeImages, run, type Testbed } from './testbed.js';
import { buildWheel, moduleName, type Wheel } from './wheel.js';

/** A pure-Python wheel of about `bytes` (random data as base64 text, which deflates back to about its size). */
export function bigWheel(name: string, version: string, bytes: number): Wheel {
  const mod = moduleName(name);
  return buildWheel({
    name,
    version,
    files: {
      [`${mod}/__init__.py`]: `__version__ = ${JSON.stringify(version)}\n`,
      [`${mod}/blob.txt`]: randomBytes(bytes).toString('base64'),
    },
  });
}

export interface OwnIndex {
  /** PEP 503 root, e.g. `http://127.0.0.1:PORT/simple/`. */
  url: string;
  dir: string;
  log: string;
  add(wheel: Wheel): Promise<void>;
  /** Wheel downloads (`GET /files/…` answered 200) logged after the first `from` log lines. */
  downloads(from?: number): Promise<Array<{ file: string; bytes: number }>>;
  /** Number of log lines so far (a mark for {@link downloads}). */
  mark(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the testbed's index server on a free loopback port, serving a fresh directory. */
export async function startOwnIndex(): Promise<OwnIndex> {
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-index-'));
  const files = join(dir, 'files');
  const log = join(dir, 'requests.log');
  await mkdir(files);
  await writeFile(log, '');
  const server = createIndexServer({ dir: files, logFile: log });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const sizes = new Map<string, number>();
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    dir: files,
    log,
    async add(wheel) {
      sizes.set(wheel.filename, wheel.data.length);
      await writeFile(join(files, wheel.filename), wheel.data);
    },
    async downloads(from = 0) {
      return (await readRequestLog(log))
        .slice(from)
        .filter((r) => r.method === 'GET' && r.status === 200 && r.path.startsWith('/files/'))
        .map((r) => {
          const file = r.path.slice('/files/'.length);
          return { file, bytes: sizes.get(file) ?? 0 };
        });
    },
    async mark() {
      return (await readFile(log, 'utf8')).split('\n').filter(Boolean).length;
    },
    async close() {
      server.close();
      server.closeAllConnections();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Which cache service protocol @actions/cache is offered, as the runner offers it. */
export type CacheProtocol = 'v1' | 'v2';

export interface ActionRunnerEnv {
  tb: Testbed;
  protocol: CacheProtocol;
  /** v1: a path prefix of the cache double's URL that keeps this caller's entries apart. */
  namespace: string;
  workspace: string;
  /** RUNNER_TEMP: must stay the same between runs that share cache entries (paths are part of the version). */
  runnerTemp: string;
  /** Files the runner hands the action (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, the event payload). */
  files: { output: string; summary: string; event: string };
  eventName: 'push' | 'pull_request';
  inputs: Record<string, string>;
  /** DOCKER_CONFIG for the action's docker calls. */
  dockerConfig: string;
  /** ACTIONS_RUNTIME_TOKEN; the testbed's read-write token by default. */
  runtimeToken?: string;
}

/** The environment a GitHub runner gives a JavaScript action: INPUT_*, GITHUB_*, RUNNER_TEMP, ACTIONS_*. */
export function actionEnv(o: ActionRunnerEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DOCKER_CONFIG: o.dockerConfig,
    RUNNER_TEMP: o.runnerTemp,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: o.workspace,
    GITHUB_OUTPUT: o.files.output,
    GITHUB_STEP_SUMMARY: o.files.summary,
    GITHUB_EVENT_NAME: o.eventName,
    GITHUB_EVENT_PATH: o.files.event,
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_REF: o.eventName === 'pull_request' ? 'refs/pull/7/merge' : 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_ACTOR: 'octocat',
    ACTIONS_RUNTIME_TOKEN: o.runtimeToken ?? o.tb.cache.token,
    INPUT_SPEC: 'imagespec.yaml',
  };
  if (o.protocol === 'v1') {
    env.ACTIONS_CACHE_URL = `${o.tb.cache.url}${o.namespace}/`;
  } else {
    env.ACTIONS_CACHE_SERVICE_V2 = 'true';
    env.ACTIONS_RESULTS_URL = o.tb.cache.resultsUrl;
  }
  for (const [name, value] of Object.entries(o.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return env;
}

/** The event payload the runner writes for the run: a pull request from a branch of the same repository. */
export function eventPayload(eventName: 'push' | 'pull_request'): string {
  const repo = { full_name: 'acme/models', fork: false };
  return JSON.stringify(
    eventName === 'pull_request'
      ? { pull_request: { number: 7, head: { repo, ref: 'feature' }, base: { repo, ref: 'main' } } }
      : { ref: 'refs/heads/main', repository: repo },
  );
}

export { parseOutputs } from './runner-files.js';

/** Build cache records (of the given type, or any) whose description matches. */
async function records(type: string | undefined, match: (description: string) => boolean): Promise<string[]> {
  const du = await run('docker', ['buildx', 'du', '--verbose']);
  const ids: string[] = [];
  for (const block of du.stdout.split(/\n\s*\n/)) {
    const id = /^ID:\s+(\S+)/m.exec(block)?.[1];
    const description = /^Description:\s+(.*)$/m.exec(block)?.[1] ?? '';
    const kind = /^Type:\s+(\S+)/m.exec(block)?.[1] ?? '';
    if (id && (type === undefined || kind === type) && match(description)) ids.push(id);
  }
  return ids;
}

/**
 * Removes the builder's cache mounts with the given ids (e.g. `imagespec-pip`), checking they are gone: a
 * mount in use by a build elsewhere on the engine cannot be removed, so this retries for a while. Only the
 * named mounts go (by record id), never a global prune.
 */
export async function removeCacheMounts(mountIds: string[]): Promise<void> {
  const ours = (description: string): boolean =>
    mountIds.some((id) => description.endsWith(`with id "/${id}"`));
  for (let attempt = 0; attempt < 30; attempt++) {
    const ids = await records('exec.cachemount', ours);
    if (ids.length === 0) return;
    for (const id of ids) await run('docker', ['buildx', 'prune', '--force', '--filter', `id=${id}`]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`cache mounts ${mountIds.join(', ')} are still in use by another build; cannot wipe them`);
}

/**
 * Removes the build records whose description holds `marker`, including the mutable ones a RUN step leaves
 * (`prune --all` with an id filter: still only those records). Repeats while something goes, children first.
 */
export async function pruneRecords(marker: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const ids = await records(undefined, (description) => description.includes(marker));
    if (ids.length === 0) return;
    for (const id of ids)
      await run('docker', ['buildx', 'prune', '--all', '--force', '--filter', `id=${id}`]);
  }
}

/**
 * Leaves the builder as a fresh runner finds it for these images: their local tags, the build records whose
 * description holds `marker` (put it in a package name), and the cache mounts with the given ids.
 */
export async function wipeBuilder(marker: string, refs: string[], mountIds: string[]): Promise<void> {
  await removeImages(refs.filter(Boolean));
  await pruneRecords(marker);
  await removeCacheMounts(mountIds);
}
