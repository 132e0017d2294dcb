/** Writes a rendered BuildContext to a directory buildx can read, and a Dockerfile for `-f`. */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BuildContext } from '../render/types.js';

export interface ContextOnDisk {
  /** Directory passed as the build context. */
  dir: string;
  /** Dockerfile passed with `-f`. */
  dockerfile: string;
  cleanup(): Promise<void>;
}

/**
 * Rendered specs: a fresh temporary directory with the Dockerfile and every context file.
 * `dockerfile` specs: the user's own context; a copy of their Dockerfile only when a `dockerignore` file
 * must apply (BuildKit reads `<Dockerfile>.dockerignore` next to the Dockerfile before the context's own).
 */
export async function writeContext(ctx: BuildContext): Promise<ContextOnDisk> {
  if (ctx.kind === 'dockerfile') {
    if (!ctx.dockerignore) {
      return { dir: ctx.contextDir!, dockerfile: ctx.dockerfilePath!, cleanup: async () => {} };
    }
    const tmp = await mkdtemp(path.join(tmpdir(), 'imagespec-df-'));
    const file = path.join(tmp, 'Dockerfile');
    await copyFile(ctx.dockerfilePath!, file);
    await copyFile(ctx.dockerignore, `${file}.dockerignore`);
    return {
      dir: ctx.contextDir!,
      dockerfile: file,
      cleanup: () => rm(tmp, { recursive: true, force: true }),
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'imagespec-ctx-'));
  await writeFile(path.join(dir, 'Dockerfile'), ctx.dockerfile);
  for (const f of ctx.files) {
    const dest = path.join(dir, ...f.path.split('/'));
    await mkdir(path.dirname(dest), { recursive: true });
    if (f.content !== undefined) await writeFile(dest, f.content);
    else if (f.source) await copyFile(f.source, dest);
  }
  return {
    dir,
    dockerfile: path.join(dir, 'Dockerfile'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
