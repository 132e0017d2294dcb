/**
 * Helpers for e2e tests on the testbed (`bash scripts/testbed.sh up`): the testbed's settings, docker and
 * buildx commands, unique names, and cleanup of exactly what a test created (images, build records).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Testbed {
  dir: string;
  mirror: string;
  basic: { registry: string; user: string; password: string };
  token: {
    registry: string;
    user: string;
    password: string;
    readerUser: string;
    readerPassword: string;
    realm: string;
    service: string;
    /** Repositories whose name starts with this allow anonymous pull; all others are private. */
    publicPrefix: string;
  };
  cache: {
    url: string;
    resultsUrl: string;
    token: string;
    /** A token whose scopes are read-only, as untrusted triggers get: the double refuses exports with 403. */
    readOnlyToken: string;
    log: string;
    entriesUrl: string;
  };
  index: { url: string; dir: string; log: string; logUrl: string };
  /** Node.js 24, the runtime action.yml declares (`runs.using: node24`). */
  node24: string;
  /** The image store dockerd runs with: `classic` (overlay2, as on GitHub's runners) or `containerd`. */
  store: 'classic' | 'containerd';
}

const DEFAULT_DIR = '/var/lib/imagespec-testbed';
const NOT_UP =
  'the testbed is not up: run `bash scripts/testbed.sh up` and `eval "$(bash scripts/testbed.sh env)"`';

/** Reads `export NAME='value'` lines as written by `testbed.sh env`. */
function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)='([^']*)'$/gm)) out[m[1] as string] = m[2] as string;
  return out;
}

/**
 * The testbed's settings from the environment (`eval "$(bash scripts/testbed.sh env)"`), or else from the
 * state directory's env file. Throws a clear error when neither is there.
 */
export function testbed(): Testbed {
  let env: Record<string, string | undefined> = process.env;
  if (!env.TESTBED_MIRROR) {
    const file = join(process.env.IMAGESPEC_TESTBED_DIR ?? DEFAULT_DIR, 'testbed.env');
    if (!existsSync(file)) throw new Error(NOT_UP);
    env = parseEnvFile(readFileSync(file, 'utf8'));
  }
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`${name} is not set; ${NOT_UP}`);
    return v;
  };
  return {
    dir: need('IMAGESPEC_TESTBED_DIR'),
    mirror: need('TESTBED_MIRROR'),
    basic: {
      registry: need('TESTBED_BASIC_REGISTRY'),
      user: need('TESTBED_BASIC_USER'),
      password: need('TESTBED_BASIC_PASSWORD'),
    },
    token: {
      registry: need('TESTBED_TOKEN_REGISTRY'),
      user: need('TESTBED_TOKEN_USER'),
      password: need('TESTBED_TOKEN_PASSWORD'),
      readerUser: need('TESTBED_TOKEN_READER_USER'),
      readerPassword: need('TESTBED_TOKEN_READER_PASSWORD'),
      realm: need('TESTBED_TOKEN_REALM'),
      service: need('TESTBED_TOKEN_SERVICE'),
      publicPrefix: need('TESTBED_TOKEN_PUBLIC_PREFIX'),
    },
    cache: {
      url: need('TESTBED_CACHE_URL'),
      resultsUrl: need('TESTBED_RESULTS_URL'),
      token: need('TESTBED_CACHE_TOKEN'),
      readOnlyToken: need('TESTBED_CACHE_READONLY_TOKEN'),
      log: need('TESTBED_CACHE_LOG'),
      entriesUrl: need('TESTBED_CACHE_ENTRIES_URL'),
    },
    index: {
      url: need('TESTBED_INDEX_URL'),
      dir: need('TESTBED_INDEX_DIR'),
      log: need('TESTBED_INDEX_LOG'),
      logUrl: need('TESTBED_INDEX_LOG_URL'),
    },
    node24: need('TESTBED_NODE24'),
    store: need('TESTBED_STORE') === 'containerd' ? 'containerd' : 'classic',
  };
}

function portOpen(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Fails with a clear message unless the engine and every service answer. Call it in `beforeAll`. */
export async function requireTestbed(): Promise<Testbed> {
  const tb = testbed();
  const hostOf = (url: string): string => new URL(url).host;
  const endpoints = {
    mirror: tb.mirror,
    basic: tb.basic.registry,
    token: tb.token.registry,
    'token server': hostOf(tb.token.realm),
    'cache service': hostOf(tb.cache.url),
    index: hostOf(tb.index.url),
  };
  for (const [name, hostPort] of Object.entries(endpoints)) {
    if (!(await portOpen(hostPort))) throw new Error(`${name} does not answer at ${hostPort}; ${NOT_UP}`);
  }
  const info = await run('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (info.code !== 0)
    throw new Error(`the Docker engine does not answer (${info.stderr.trim()}); ${NOT_UP}`);
  return tb;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** Runs a command without a shell; never throws for a non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    // A command may exit before reading its input; that is not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Like {@link run}, but throws with the command's output when it fails. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`,
    );
  }
  return r;
}

/** A lower-case name unique to this call, usable as repository, tag, package or cache scope part. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * A Docker client configuration of the test's own (logins stay out of the user's ~/.docker), used through
 * `DOCKER_CONFIG` by every docker and buildx call the returned helpers make.
 */
export class DockerClient {
  private constructor(readonly configDir: string) {}

  static async create(): Promise<DockerClient> {
    const dir = await mkdtemp(join(tmpdir(), 'imagespec-docker-'));
    await writeFile(join(dir, 'config.json'), '{}\n');
    return new DockerClient(dir);
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_CONFIG: this.configDir };
  }

  docker(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('docker', args, { ...opts, env: { ...this.env, ...opts.env } });
  }

  /** `docker buildx build` with plain progress (step lines such as `#7 CACHED` land on stderr). */
  build(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.docker(['buildx', 'build', '--progress=plain', ...args], opts);
  }

  login(registry: string, user: string, password: string): Promise<RunResult> {
    return this.docker(['login', '--username', user, '--password-stdin', registry], { input: password });
  }

  async dispose(): Promise<void> {
    await rm(this.configDir, { recursive: true, force: true });
  }
}

/** Writes files (by path relative to `dir`) under `dir`, making directories as needed; returns `dir`. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  return dir;
}

/** Writes a build context (files by relative path) into a fresh temporary directory. */
export async function buildContext(files: Record<string, string>): Promise<string> {
  return writeTree(await mkdtemp(join(tmpdir(), 'imagespec-ctx-')), files);
}

export interface BuildRecord {
  id: string;
  description: string;
}

/** Build cache records (`docker buildx du --verbose`) whose description contains `marker`. */
export async function buildRecords(marker: string): Promise<BuildRecord[]> {
  const du = await runOk('docker', ['buildx', 'du', '--verbose']);
  const records: BuildRecord[] = [];
  for (const block of du.stdout.split(/\n\s*\n/)) {
    const id = /^ID:\s+(\S+)/m.exec(block)?.[1];
    const description = /^Description:\s+(.*)$/m.exec(block)?.[1] ?? '';
    if (id && description.includes(marker)) records.push({ id, description });
  }
  return records;
}

/**
 * Removes the build records whose description contains `marker` (put a unique marker in every RUN step a
 * test builds). Never prunes anything else: the engine is shared.
 */
export async function pruneBuildRecords(marker: string): Promise<number> {
  let removed = 0;
  // A record can only go once nothing uses it; children go first, so repeat while something goes.
  for (let round = 0; round < 5; round++) {
    const records = await buildRecords(marker);
    if (records.length === 0) break;
    for (const r of records) {
      const res = await run('docker', ['buildx', 'prune', '--force', '--filter', `id=${r.id}`]);
      if (res.code === 0) removed++;
    }
  }
  return removed;
}

/** Removes the given local images (tags this test created), ignoring ones already gone. */
export async function removeImages(refs: string[]): Promise<void> {
  if (refs.length > 0) await run('docker', ['image', 'rm', '--force', ...refs]);
}

/** Requests one service of the testbed logged (JSON lines in its request log). */
export interface LoggedRequest {
  time: string;
  method: string;
  path: string;
  status: number;
  query?: string;
  /** The cache double's v2 requests: the entry's key from the body. */
  key?: string;
}

export async function readRequestLog(file: string): Promise<LoggedRequest[]> {
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LoggedRequest);
}

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** A bearer token from the token registry's token server; anonymous without credentials. */
export async function registryToken(
  tb: Testbed,
  repository: string,
  actions: string,
  creds?: { user: string; password: string },
): Promise<string> {
  const url = new URL(tb.token.realm);
  url.searchParams.set('service', tb.token.service);
  url.searchParams.set('scope', `repository:${repository}:${actions}`);
  const headers: Record<string, string> = {};
  if (creds)
    headers.authorization = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`token server answered ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/** HEAD of a manifest with all four manifest media types accepted. */
export function headManifest(
  registry: string,
  repository: string,
  reference: string,
  authorization?: string,
): Promise<Response> {
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
  if (authorization) headers.authorization = authorization;
  return fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, { method: 'HEAD', headers });
}

/**
 * A Docker client configuration directory of a test's own (`<dir>/docker`) holding one login, the testbed's basic
 * registry by default; returns its path. Nothing touches ~/.docker.
 */
export async function dockerConfigWithLogin(
  dir: string,
  login: { registry: string; user: string; password: string } = testbed().basic,
): Promise<string> {
  const config = join(dir, 'docker');
  await mkdir(config, { recursive: true });
  return dockerConfigWith(config, { [login.registry]: login });
}

/** A Docker config directory with a login for each registry (what `docker login` leaves). */
export async function dockerConfigWith(
  dir: string,
  logins: Record<string, { user: string; password: string }>,
): Promise<string> {
  const auths = Object.fromEntries(
    Object.entries(logins).map(([host, l]) => [
      host,
      { auth: Buffer.from(`${l.user}:${l.password}`).toString('base64') },
    ]),
  );
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

/** The variables that make a process a GitHub Actions runner with a cache service; tests opt in to them. */
export const GITHUB_CACHE_RUNTIME = [
  'ACTIONS_CACHE_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_SERVICE_V2',
] as const;

/** This process's environment with `DOCKER_CONFIG` set and without the GitHub cache runtime. */
export function cliEnv(dockerConfig: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: dockerConfig };
  for (const k of GITHUB_CACHE_RUNTIME) delete env[k];
  return env;
}
