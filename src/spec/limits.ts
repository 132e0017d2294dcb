/**
 * How much input this tool reads. A spec and the files it names are small; anything far larger is a mistake
 * (a wrong path, a generated file) or an attack (an alias bomb, a file meant to exhaust memory). Each limit is
 * checked before the input is read whole or expanded, so a refusal costs a fraction of a second and a small,
 * flat amount of memory, and the message names the limit.
 */
import { UserError } from '../errors.js';
import { FileTooLarge, NotRegularFile, readBounded, readBoundedSync } from '../util/bounded-read.js';

export const LIMITS = {
  /** A spec file. */
  specBytes: 1024 * 1024,
  /** Nesting of collections in a spec (flow brackets, block indentation, `- - -` on one line). */
  specNesting: 64,
  /** Values a spec expands to, aliases copied out (PyYAML shares aliased values; this loader copies them). */
  specValues: 20_000,
  /** A requirements file, uv.lock or poetry.lock (read whole to hash, and by the flyte flavor). */
  requirementsBytes: 16 * 1024 * 1024,
  /** A Dockerfile named by `dockerfile` (read whole to find the images it names). */
  dockerfileBytes: 4 * 1024 * 1024,
  /** A `.dockerignore` or `dockerignore` file. */
  ignoreBytes: 1024 * 1024,
  /** A secret file (`secrets[].src`, `pip_secret_mounts`), read to mask its values; BuildKit's own limit is 500 KB. */
  secretBytes: 500 * 1000,
} as const;

/** `1 MiB`, `16.0 MiB`, `500 KB`, `500001 bytes`: a size as the messages show it. */
export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB) return n % MiB === 0 ? `${n / MiB} MiB` : `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000} KB`;
  return `${n} bytes`;
}

/**
 * A whole file that the spec names (or implies: a `.dockerignore`), read within `limit`. Over the limit it
 * is a UserError naming the file, its size, the limit and what to do; other errors (a missing file) are
 * thrown as fs throws them, for the caller to word.
 */
export async function readLimited(file: string, limit: number, what: string): Promise<Buffer> {
  try {
    return await readBounded(file, limit);
  } catch (err) {
    throw limitError(err, what);
  }
}

/** {@link readLimited} for synchronous callers. */
export function readLimitedSync(file: string, limit: number, what: string): Buffer {
  try {
    return readBoundedSync(file, limit);
  } catch (err) {
    throw limitError(err, what);
  }
}

function limitError(err: unknown, what: string): unknown {
  if (err instanceof FileTooLarge) {
    return new UserError(
      `${what} ${err.file} is ${formatBytes(err.size)}; this tool reads at most ${formatBytes(err.limit)} of it. ` +
        'Check that the path names the right file',
    );
  }
  if (err instanceof NotRegularFile)
    return new UserError(`${what} ${err.file} is not a regular file; give a file`);
  return err;
}
