/** Pieces both flavors share: base image, tool images, secrets, files, labels, index arguments. */
import path from 'node:path';
import type { BuildSecret, ImageSpec, PlannedImage } from '../spec/types.js';
import { byteOrder, escapingLink, listCopyEntry, listTree, toPosix, type ContextFile } from './context.js';
import { DEFAULT_BASE_IMAGE, DEFAULT_MICROMAMBA_IMAGE, DEFAULT_UV_IMAGE } from './defaults.js';
import { dockerString, envName, plainToken, shQuote, specError, splitArgs } from './quote.js';
import { MAX_LINE_BYTES, execForm } from './dockerfile.js';
import type { BuildContext, CacheMount, RenderOptions } from './types.js';
import { userRecord } from '../util/record.js';

/** Label carrying the spec hash, so an image can be traced back to the spec that made it. */
export const SPEC_HASH_LABEL = 'dev.imagespec.spec-hash';

/** The image a rendered Dockerfile starts from, validated for use in `FROM`. */
export function baseImage(planned: PlannedImage): string {
  const spec = planned.spec;
  const ref =
    planned.baseReference ??
    spec.base_image ??
    (planned.flavor === 'generic' && spec.python_version
      ? `python:${spec.python_version}-slim`
      : DEFAULT_BASE_IMAGE);
  return plainToken(ref, { spec, path: spec.base_image ? 'base_image' : 'python_version' }, 'base image');
}

/** `builder_config.uv_image` / `micromamba_image` (flytekit's names), else flytekit's defaults. */
export function toolImages(spec: ImageSpec): { uv: string; micromamba: string } {
  const uv = spec.builder_config['uv_image'] ?? DEFAULT_UV_IMAGE;
  const micromamba = spec.builder_config['micromamba_image'] ?? DEFAULT_MICROMAMBA_IMAGE;
  return {
    uv: plainToken(uv, { spec, path: 'builder_config.uv_image' }, 'uv image'),
    micromamba: plainToken(micromamba, { spec, path: 'builder_config.micromamba_image' }, 'micromamba image'),
  };
}

/** A secret with the mount flag that exposes it to a RUN step. */
export interface MountedSecret {
  secret: BuildSecret;
  mount: string;
}

/**
 * `pip_secret_mounts` ([file, target] pairs, flytekit) and `secrets` (extension: id with env or src and an
 * optional target). Only the ids and targets reach the Dockerfile; values stay with the build command.
 */
export function secrets(spec: ImageSpec): MountedSecret[] {
  const out: MountedSecret[] = [];
  spec.pip_secret_mounts.forEach(([src, target], i) => {
    const id = `imagespec-pip-secret-${i}`;
    plainToken(target, { spec, path: `pip_secret_mounts[${i}][1]` }, 'secret mount target');
    out.push({
      secret: { id, src: path.resolve(spec.dir, src), target },
      mount: `--mount=type=secret,id=${id},target=${target}`,
    });
  });
  spec.secrets.forEach((s, i) => {
    plainToken(s.id, { spec, path: `secrets[${i}].id` }, 'secret id');
    let mount = `--mount=type=secret,id=${s.id}`;
    if (s.target)
      mount += `,target=${plainToken(s.target, { spec, path: `secrets[${i}].target` }, 'secret target')}`;
    out.push({ secret: s, mount });
  });
  return out;
}

/** `--index-url`, `--extra-index-url` and `pip_extra_args` as quoted argument lines (pip and uv take the same). */
export function indexArgs(spec: ImageSpec): string[] {
  const args: string[] = [];
  if (spec.pip_index) args.push(`--index-url ${shQuote(spec.pip_index, { spec, path: 'pip_index' })}`);
  spec.pip_extra_index_url.forEach((url, i) =>
    args.push(`--extra-index-url ${shQuote(url, { spec, path: `pip_extra_index_url[${i}]` })}`),
  );
  if (spec.pip_extra_args) {
    const src = { spec, path: 'pip_extra_args' };
    const words = splitArgs(spec.pip_extra_args, src).map((w) => shQuote(w, src));
    if (words.length > 0) args.push(words.join(' '));
  }
  return args;
}

/** How the `requirements` field installs: a requirements file, or a lock file with its pyproject.toml. */
export type Requirements =
  | { kind: 'none' }
  | { kind: 'txt'; file: string }
  | { kind: 'uv.lock' | 'poetry.lock'; file: string; pyproject: string };

/** The spec stage has checked a lock file: no extra packages, a pyproject.toml next to it. */
export function requirements(spec: ImageSpec): Requirements {
  if (!spec.requirements) return { kind: 'none' };
  const file = path.resolve(spec.dir, spec.requirements);
  const base = path.basename(file);
  if (base !== 'uv.lock' && base !== 'poetry.lock') return { kind: 'txt', file };
  return { kind: base, file, pyproject: path.join(path.dirname(file), 'pyproject.toml') };
}

/** Whether `source_root` is copied: flytekit copies unless `source_copy_mode` is NO_COPY. */
export function copiesSource(spec: ImageSpec): boolean {
  return spec.source_root !== undefined && spec.source_copy_mode !== 'no_copy';
}

/**
 * Context files for `copy` entries (under `copy/`, keeping their path relative to the spec directory) and
 * for `source_root` (under `source/`, relative to the source root). Each tree is copied with one fixed
 * COPY instruction, so file names never appear in the Dockerfile.
 */
export async function fileTrees(spec: ImageSpec): Promise<{ copy: ContextFile[]; source: ContextFile[] }> {
  const copy: ContextFile[] = [];
  const seen = new Set<string>();
  // The spec stage has checked every entry: relative, below the spec directory, existing.
  for (const entry of spec.copy) {
    const abs = path.resolve(spec.dir, entry);
    for (const f of await listCopyEntry(abs, spec.dir)) {
      if (seen.has(f)) continue;
      seen.add(f);
      copy.push({ path: `copy/${f}`, source: path.join(spec.dir, f) });
    }
  }
  copy.sort((a, b) => byteOrder(a.path, b.path));
  const source: ContextFile[] = [];
  if (copiesSource(spec) && spec.source_root) {
    const root = path.resolve(spec.dir, spec.source_root);
    // Matched against paths relative to the root (so `.dockerignore` patterns work as in Docker), not
    // against the root as written, which flytekit's tag digest uses; the copied files are then a subset
    // of the digested ones.
    for (const f of await listTree(root)) {
      source.push({ path: `source/${f}`, source: path.join(root, f) });
    }
    await rejectEscapingLinks(spec, source, root, 'source_root');
  }
  for (const [i, entry] of spec.copy.entries()) {
    const prefix = `copy/${toPosix(path.relative(spec.dir, path.resolve(spec.dir, entry)))}`;
    const files = copy.filter((f) => f.path === prefix || f.path.startsWith(`${prefix}/`));
    await rejectEscapingLinks(spec, files, spec.dir, `copy[${i}]`);
  }
  return { copy, source };
}

/**
 * Refuses files that reach outside the repository root through a symlink: their targets (a home
 * directory, /etc, another checkout) would be copied into the image. Links inside the root are kept.
 */
async function rejectEscapingLinks(
  spec: ImageSpec,
  files: ContextFile[],
  base: string,
  field: string,
): Promise<void> {
  for (const f of files) {
    const escape = f.source ? await escapingLink(f.source, base, spec.root) : undefined;
    if (!escape) continue;
    const rel = toPosix(path.relative(spec.dir, escape.link)) || '.';
    throw specError(
      { spec, path: field },
      `${rel} is a symbolic link to ${escape.target}, outside the repository root ${spec.root}; its target ` +
        'would be copied into the image. Remove the link, or add it to .dockerignore',
    );
  }
}

/** OCI source/revision (when known), the spec hash, then the spec's own `labels`. */
export function labels(planned: PlannedImage, opts: RenderOptions): Record<string, string> {
  const out = userRecord<string>();
  if (opts.source?.url) out['org.opencontainers.image.source'] = opts.source.url;
  if (opts.source?.revision) out['org.opencontainers.image.revision'] = opts.source.revision;
  out[SPEC_HASH_LABEL] = planned.specHash;
  for (const [k, v] of Object.entries(planned.spec.labels)) out[k] = v;
  return out;
}

/**
 * `LABEL "k"="v" ...` with every key and value quoted. Keys follow the spec's rule (letters, digits and
 * `. _ / -`): BuildKit splits `k=v` at the first `=` before unquoting, so a key holding `=` cannot be written.
 */
export function labelLine(spec: ImageSpec, all: Record<string, string>): string {
  const parts = Object.entries(all).map(([k, v]) => {
    const src = { spec, path: `labels.${k}` };
    // The schema refuses such keys; kept here as the Dockerfile writer's own guard, like quote.ts.
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(k)) {
      throw specError(src, `${JSON.stringify(k)} is not a valid label key; use letters, digits and . _ / -`);
    }
    return `${dockerString(k, src)}=${dockerString(v, src)}`;
  });
  return `LABEL ${parts.join(' \\\n      ')}`;
}

/**
 * ENTRYPOINT in exec (JSON array) form: the Dockerfile parser reads it as JSON, the shell never sees it, and
 * every argument is one JSON string (line breaks escaped), so any value except NUL is kept exactly.
 */
export function entrypointLine(spec: ImageSpec): string | undefined {
  if (spec.entrypoint === undefined) return undefined;
  return `ENTRYPOINT ${execForm(spec.entrypoint)}`;
}

/** Source URL and revision from the GitHub Actions environment. */
export function sourceFromEnv(env: NodeJS.ProcessEnv = process.env): { url?: string; revision?: string } {
  const server = env['GITHUB_SERVER_URL'] || 'https://github.com';
  const repo = env['GITHUB_REPOSITORY'];
  return {
    ...(repo ? { url: `${server.replace(/\/+$/, '')}/${repo}` } : {}),
    ...(env['GITHUB_SHA'] ? { revision: env['GITHUB_SHA'] } : {}),
  };
}

/** `NAME=value` pairs for an `ENV` instruction, each name and value checked and quoted as Dockerfile data. */
export function envAssignments(spec: ImageSpec, entries: ReadonlyArray<[string, string]>): string[] {
  return entries.map(
    ([k, v]) => `${envName(k, { spec, path: `env.${k}` })}=${dockerString(v, { spec, path: `env.${k}` })}`,
  );
}

/** The build context of a Dockerfile rendered from the spec: context files sorted by path, no build args. */
export function renderedContext(
  planned: PlannedImage,
  parts: {
    dockerfile: string;
    files: ContextFile[];
    mounted: MountedSecret[];
    labels: Record<string, string>;
    cacheMounts: CacheMount[];
    warnings: string[];
  },
): BuildContext {
  const longest = Math.max(...parts.dockerfile.split('\n').map((l) => Buffer.byteLength(l, 'utf8') + 1));
  if (longest > MAX_LINE_BYTES) {
    throw specError(
      { spec: planned.spec, path: '' },
      `the rendered Dockerfile would have a line of ${longest} bytes; BuildKit reads at most ${MAX_LINE_BYTES} ` +
        'bytes per line. Shorten the longest values (a commands entry), or move a long packages list into a ' +
        'requirements file',
    );
  }
  return {
    planned,
    kind: 'rendered',
    dockerfile: parts.dockerfile,
    files: [...parts.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    secrets: parts.mounted.map((m) => m.secret),
    buildArgs: {},
    labels: parts.labels,
    platforms: planned.platforms,
    cacheMounts: parts.cacheMounts,
    warnings: parts.warnings,
  };
}

/**
 * The apt install script for a RUN step whose /var/cache/apt is a cache mount. Debian and Ubuntu images from
 * Docker Hub ship `/etc/apt/apt.conf.d/docker-clean`, which deletes every downloaded .deb after each install
 * and so would leave the cache mount empty; it is moved aside for this step only and put back afterwards,
 * so the image itself keeps its configuration.
 */
export function aptInstallScript(spec: ImageSpec): string[] {
  const pkgs = spec.apt_packages.map((p, i) => shQuote(p, { spec, path: `apt_packages[${i}]` }));
  return [
    'clean=/etc/apt/apt.conf.d/docker-clean;',
    'if [ -f "$clean" ]; then mv "$clean" /tmp/imagespec-docker-clean; fi;',
    'apt-get update',
    '&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o APT::Keep-Downloaded-Packages=true',
    ...pkgs.slice(0, -1),
    `${pkgs.at(-1) ?? ''};`,
    'status=$?;',
    'if [ -f /tmp/imagespec-docker-clean ]; then mv /tmp/imagespec-docker-clean "$clean"; fi;',
    'exit $status',
  ];
}
