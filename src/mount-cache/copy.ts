import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLines } from '../docker/cli.js';
import type { CacheMount } from './keys.js';

/** Runs `docker ARGS…`, returning the exit code and output; the caller decides what a failure means. */
export type DockerRunner = (args: string[]) => Promise<{ code: number; output: string }>;

export interface MountCopyOptions {
  /** An image with `sh`, `mkdir` and `cp` to run the copy step in (pulled once; any small Linux image). */
  helperImage: string;
  /** buildx builder holding the cache mounts (the one that runs the image build). */
  builder?: string;
  run: DockerRunner;
}

/** Dockerfile instructions take the value JSON-quoted where they can; mount options must be plain words. */
function mountOption(value: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(value))
    throw new Error(`cache mount value '${value}' has characters a mount option cannot hold`);
  return value;
}

async function withDockerfile<T>(text: string, body: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-mount-copy-'));
  try {
    const file = join(dir, 'Dockerfile');
    await writeFile(file, text);
    return await body(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The RUN step that mounts cache mount `id` at /imagespec-cache. Its first word is a fresh no-op (`: NONCE`)
 * so the step never comes from the build cache. `--no-cache` is not the way: BuildKit then also ignores the
 * existing cache mount and starts an empty one in its place.
 */
function copyStep(id: string, extraMounts: string[], script: string): string {
  const mounts = [`--mount=type=cache,id=${id},target=/imagespec-cache,sharing=locked`, ...extraMounts];
  return `RUN ${mounts.join(' ')} : ${randomBytes(8).toString('hex')} && ${script}`;
}

/** Runs one throwaway build of `dockerfile` with `output`; the context is `context`, or an empty directory. */
async function copyBuild(
  dockerfile: string,
  output: string,
  context: string | undefined,
  options: MountCopyOptions,
  what: string,
): Promise<void> {
  await withDockerfile(dockerfile, async (file) => {
    const builder = options.builder ? ['--builder', options.builder] : [];
    const args = ['buildx', 'build', ...builder, '--output', output, '-f', file, context ?? join(file, '..')];
    const { code, output: log } = await options.run(args);
    if (code !== 0) throw new Error(`${what} failed: ${lastLines(log)}`);
  });
}

/**
 * Copies `dir` into the builder's cache mount `mount.id`, so the next RUN step that mounts it finds the files.
 * BuildKit has no API to fill a cache mount; a throwaway build that mounts it and copies files in is the way.
 * The copy is owned by root, as the generated RUN steps that use the mount run as root: pip, for one,
 * ignores a cache directory that root does not own ("The cache has been disabled"), and files restored on a
 * runner belong to the runner's user. BuildKit already hands context files to the build as root's; the
 * `chown` keeps that true on any builder.
 */
export async function injectMount(dir: string, mount: CacheMount, options: MountCopyOptions): Promise<void> {
  const id = mountOption(mount.id);
  const dockerfile = [
    `FROM ${options.helperImage}`,
    copyStep(
      id,
      ['--mount=type=bind,source=.,target=/imagespec-restore'],
      'cp -a /imagespec-restore/. /imagespec-cache/ && chown -R 0:0 /imagespec-cache',
    ),
    '',
  ].join('\n');
  await copyBuild(dockerfile, 'type=cacheonly', dir, options, `filling cache mount ${id}`);
}

/** Copies the builder's cache mount `mount.id` out to `dest` (created by buildx). */
export async function extractMount(
  mount: CacheMount,
  dest: string,
  options: MountCopyOptions,
): Promise<void> {
  const id = mountOption(mount.id);
  const dockerfile = [
    `FROM ${options.helperImage} AS copy`,
    copyStep(id, [], 'mkdir -p /imagespec-out && cp -a /imagespec-cache/. /imagespec-out/'),
    'FROM scratch',
    'COPY --from=copy /imagespec-out /',
    '',
  ].join('\n');
  await copyBuild(dockerfile, `type=local,dest=${dest}`, undefined, options, `reading cache mount ${id}`);
}
