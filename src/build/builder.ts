/**
 * Which buildx builder to use and what it can do: the driver (`docker` needs the containerd image store
 * to export caches and build several platforms; `docker-container` can), and the buildx and BuildKit
 * versions (the GitHub Actions cache service v2 needs buildx >= 0.21 and BuildKit >= 0.20).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { docker } from '../docker/cli.js';

export interface BuilderInfo {
  name: string;
  driver: string;
  /** `docker` driver only: whether the engine uses the containerd image store. */
  containerdStore?: boolean;
  buildxVersion?: string;
  /** From `buildx inspect`; for the `docker` driver with an unknown version, derived from the engine. */
  buildkitVersion?: string;
  platforms: string[];
}

/** `[major, minor, patch]` of the first version number in a text, or undefined. */
export function parseVersion(text: string | undefined): [number, number, number] | undefined {
  const m = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? '');
  if (!m || (m[1] === '0' && m[2] === '0')) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function atLeast(version: string | undefined, min: [number, number]): boolean | undefined {
  const v = parseVersion(version);
  if (!v) return undefined;
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

/** BuildKit embedded in a Docker Engine release (engine major.minor → BuildKit minor). */
function buildkitOfEngine(engine: string | undefined): string | undefined {
  const v = parseVersion(engine);
  if (!v) return undefined;
  const table: Array<[number, number, string]> = [
    [28, 0, '0.20'],
    [27, 0, '0.15'],
    [26, 1, '0.13'],
    [26, 0, '0.13'],
    [25, 0, '0.12'],
    [24, 0, '0.11'],
  ];
  for (const [maj, min, bk] of table) if (v[0] > maj || (v[0] === maj && v[1] >= min)) return bk;
  return undefined;
}

/** Reads what the builder can do. `name` undefined means the current builder. */
export async function inspectBuilder(
  name: string | undefined,
  env?: NodeJS.ProcessEnv,
): Promise<BuilderInfo> {
  const opts = env ? { env } : {};
  const inspect = await docker(['buildx', 'inspect', ...(name ? [name] : [])], opts);
  if (inspect.code !== 0) {
    throw new Error(
      `docker buildx inspect ${name ?? ''} failed: ${inspect.stderr.trim() || inspect.stdout.trim()}`,
    );
  }
  const field = (key: string): string | undefined =>
    new RegExp(`^${key}:\\s*(.+)$`, 'mi').exec(inspect.stdout)?.[1]?.trim();
  const info: BuilderInfo = {
    name: field('Name') ?? name ?? 'default',
    driver: field('Driver') ?? 'docker',
    platforms: (field('Platforms') ?? '')
      .split(',')
      .map((p) => p.trim().replace(/\*$/, ''))
      .filter(Boolean),
  };
  const bk = field('BuildKit version') ?? field('Buildkit');
  if (parseVersion(bk)) info.buildkitVersion = bk;
  const version = await docker(['buildx', 'version'], opts);
  const bx = /buildx\s+v?(\d+\.\d+\.\d+)/.exec(version.stdout)?.[1];
  if (bx) info.buildxVersion = bx;
  if (info.driver === 'docker') {
    const dinfo = await docker(['info', '--format', '{{json .DriverStatus}}|{{.ServerVersion}}'], opts);
    const [status, server] = dinfo.stdout.trim().split('|');
    info.containerdStore = (status ?? '').includes('io.containerd.snapshotter.v1');
    if (!info.buildkitVersion) {
      const derived = buildkitOfEngine(server);
      if (derived) info.buildkitVersion = `${derived} (Docker Engine ${server})`;
    }
  }
  return info;
}

/** Whether the builder can export a build cache at all. */
export function canExportCache(b: BuilderInfo): boolean {
  return b.driver !== 'docker' || b.containerdStore === true;
}

/** Whether the builder can attach attestations (provenance, SBOM) to what it pushes. */
export function canAttest(b: BuilderInfo): boolean {
  return b.driver !== 'docker' || b.containerdStore === true;
}

/** Whether the builder can build several platforms into one image index. */
export function canMultiPlatform(b: BuilderInfo): boolean {
  return b.driver !== 'docker' || b.containerdStore === true;
}

/**
 * `docker buildx create` arguments for the action's docker-container builder: host networking so registries
 * on the runner's loopback interface are reachable from BuildKit, and the buildkitd config when there is one.
 */
export function createBuilderArgs(name: string, configFile?: string): string[] {
  return [
    'buildx',
    'create',
    '--name',
    name,
    '--driver',
    'docker-container',
    '--driver-opt',
    'network=host',
    ...(configFile ? ['--buildkitd-config', configFile] : []),
    '--bootstrap',
  ];
}

export interface CreateBuilderOptions {
  /** buildkitd.toml content (src/buildkitd/config.ts: the user's configuration merged with the insecure registries). */
  config?: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts a builder that exists (its BuildKit container may be stopped); throws when it cannot run. */
export async function startBuilder(name: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const res = await docker(['buildx', 'inspect', '--bootstrap', name], env ? { env } : {});
  if (res.code !== 0) throw new Error(res.stderr.trim() || res.stdout.trim());
}

/** Removes a builder; a builder that is not there is not an error. */
export async function removeBuilder(name: string, env?: NodeJS.ProcessEnv): Promise<void> {
  await docker(['buildx', 'rm', '--force', name], env ? { env } : {});
}

/** Creates a docker-container builder (not made current) and returns its name. */
export async function createContainerBuilder(name: string, opts: CreateBuilderOptions = {}): Promise<string> {
  const config = opts.config ?? '';
  const dir = config ? await mkdtemp(path.join(tmpdir(), 'imagespec-buildkitd-')) : undefined;
  try {
    const file = dir ? path.join(dir, 'buildkitd.toml') : undefined;
    if (file) await writeFile(file, config);
    const res = await docker(createBuilderArgs(name, file), opts.env ? { env: opts.env } : {});
    if (res.code !== 0) throw new Error(res.stderr.trim() || res.stdout.trim());
    return name;
  } finally {
    // buildx copies the config, and the CA and key files it names, into the builder when it creates it.
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
