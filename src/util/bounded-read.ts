/**
 * Reading a whole file with a size limit: the size is checked with fstat before anything is read, and at
 * most `limit + 1` bytes are ever read (a file that grows while it is read is still refused), so memory
 * stays bounded whatever the path points at. Directories, FIFOs and devices (/dev/zero reports no size) are
 * refused before reading.
 */
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** A file over its limit; `size` is what fstat reported (or `limit + 1` when reading went past it). */
export class FileTooLarge extends Error {
  constructor(
    readonly file: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${file} is larger than ${limit} bytes`);
    this.name = 'FileTooLarge';
  }
}

/** A path that is not a regular file (a directory, a FIFO, a device). */
export class NotRegularFile extends Error {
  constructor(readonly file: string) {
    super(`${file} is not a regular file`);
    this.name = 'NotRegularFile';
  }
}

function check(file: string, st: Stats, limit: number): void {
  if (!st.isFile()) throw new NotRegularFile(file);
  if (st.size > limit) throw new FileTooLarge(file, st.size, limit);
}

/** A buffer twice as large (at most `limit + 1` bytes) holding `buf`'s bytes. */
function grow(buf: Buffer, limit: number): Buffer {
  const bigger = Buffer.alloc(Math.min(buf.length * 2, limit + 1));
  buf.copy(bigger);
  return bigger;
}

/** The bytes of `file`, or FileTooLarge / NotRegularFile; other errors (ENOENT, EACCES) as thrown by fs. */
export async function readBounded(file: string, limit: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    check(file, st, limit);
    let buf: Buffer = Buffer.alloc(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) return buf.subarray(0, n);
      n += bytesRead;
      if (n > limit) throw new FileTooLarge(file, n, limit);
      if (n === buf.length) buf = grow(buf, limit);
    }
  } finally {
    await fh.close();
  }
}

/** {@link readBounded} for synchronous callers. */
export function readBoundedSync(file: string, limit: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    check(file, st, limit);
    let buf: Buffer = Buffer.alloc(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) return buf.subarray(0, n);
      n += got;
      if (n > limit) throw new FileTooLarge(file, n, limit);
      if (n === buf.length) buf = grow(buf, limit);
    }
  } finally {
    closeSync(fd);
  }
}
