/** The checking context of one document, where problems are reported, and the path checks of both modes. */
import { lstat, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { Flavor } from '../choices.js';
import { specPath, type ImageContext } from './image.js';
import type { Diagnostic, SourcePos } from './types.js';
import { excerpt } from './excerpt.js';
import { LIMITS, formatBytes } from './limits.js';

export interface Ctx extends ImageContext {
  out: Diagnostic[];
  /** Field paths the schema already refused (not checked again). */
  failed: ReadonlySet<string>;
  flavor: Flavor;
}

export function report(ctx: Ctx, at: SourcePos, path: string, message: string): void {
  ctx.out.push({ file: at.file, line: at.line, col: at.col, path, message });
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Fields naming a file that is read whole, and its size limit. */
const READ_WHOLE: Record<string, number | undefined> = {
  requirements: LIMITS.requirementsBytes,
  dockerfile: LIMITS.dockerfileBytes,
  dockerignore: LIMITS.ignoreBytes,
};

/** Check a path field: it exists, has the right kind, and resolves (symlinks included) inside the repository. */
export async function checkPath(
  ctx: Ctx,
  path: string,
  written: string,
  kind: 'file' | 'directory' | 'any',
  contained = true,
): Promise<boolean> {
  const at = ctx.doc.nodes.get(path)?.pos ?? { file: ctx.doc.file, line: 1, col: 1 };
  const abs = specPath(ctx.dir, written);
  try {
    await lstat(abs);
  } catch {
    report(
      ctx,
      at,
      path,
      `${path} ${JSON.stringify(written)} does not exist; paths are relative to the spec file's directory`,
    );
    return false;
  }
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    report(
      ctx,
      at,
      path,
      `${path} ${JSON.stringify(written)} is a broken symbolic link; point it at an existing file or remove it`,
    );
    return false;
  }
  if (contained && !isInside(ctx.root, real)) {
    report(
      ctx,
      at,
      path,
      `${path} ${JSON.stringify(written)} resolves outside the repository (${real}); keep referenced files inside ${ctx.root}`,
    );
    return false;
  }
  const st = await stat(real);
  if (kind === 'file' && !st.isFile()) {
    report(
      ctx,
      at,
      path,
      `${path} ${JSON.stringify(written)} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}; give a file`,
    );
    return false;
  }
  const maxBytes = READ_WHOLE[path.slice(path.lastIndexOf('.') + 1)];
  if (kind === 'file' && maxBytes !== undefined && st.size > maxBytes) {
    report(
      ctx,
      at,
      path,
      `${path} ${excerpt(written)} is ${formatBytes(st.size)}; it is read whole, and the limit is ${formatBytes(maxBytes)}. Check that the path names the right file`,
    );
    return false;
  }
  if (kind === 'directory' && !st.isDirectory()) {
    report(ctx, at, path, `${path} ${JSON.stringify(written)} is not a directory; give a directory`);
    return false;
  }
  if (kind === 'any' && !st.isDirectory() && !st.isFile()) {
    report(ctx, at, path, `${path} ${JSON.stringify(written)} is not a regular file or directory`);
    return false;
  }
  return true;
}
