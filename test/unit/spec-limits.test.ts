/**
 * Bounded parsing: oversized files, alias bombs, deep nesting and oversized named files are refused with a
 * message naming the limit, before anything is read whole or expanded.
 */
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { checkSecrets } from '../../src/build/secrets.js';
import { contextDigest } from '../../src/hash/digests.js';
import { checkSpecFile } from '../../src/spec/index.js';
import { LIMITS } from '../../src/spec/limits.js';
import type { BuildContext } from '../../src/render/types.js';
import { FileTooLarge, NotRegularFile, readBounded, readBoundedSync } from '../../src/util/bounded-read.js';

const tmp = await mkdtemp(join(tmpdir(), 'imagespec-limits-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function problems(name: string, text: string): Promise<string[]> {
  const file = join(tmp, name);
  await writeFile(file, text);
  const { diagnostics } = await checkSpecFile(file);
  return diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
}

/** Anchors nested `levels` deep, each referencing the previous one `width` times. */
function aliasBomb(levels: number, width: number): string {
  const lines = ['name: app', `x-a0: &a0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `x-a${i}: &a${i} [${Array(width)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  lines.push(`packages: *a${levels}`);
  return `${lines.join('\n')}\n`;
}

describe('the spec file', () => {
  it('refuses an alias bomb at the alias whose expansion passes the limit, without expanding it', async () => {
    const got = await problems('bomb.yaml', aliasBomb(12, 9));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(
      /^6:\d+: the spec has more than 20000 values, counting each use of an alias as a copy/,
    );
  });

  it('refuses a merge-key bomb', async () => {
    const lines = ['name: app', 'x-m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}'];
    for (let i = 1; i <= 12; i++)
      lines.push(
        `x-m${i}: &m${i}\n  <<: [${Array(9)
          .fill(`*m${i - 1}`)
          .join(', ')}]`,
      );
    lines.push('env: *m12');
    const got = await problems('merge-bomb.yaml', `${lines.join('\n')}\n`);
    expect(got).toEqual([expect.stringMatching(/the spec has more than 20000 values/)]);
  });

  it('keeps aliases that stay under the limit', async () => {
    const got = await problems('small-aliases.yaml', aliasBomb(2, 9).replace(/packages: \*a2/, 'x-p: *a2'));
    expect(got).toEqual([]);
  });

  it('refuses more values than the limit, as written, before composing the document', async () => {
    const got = await problems(
      'many.yaml',
      `name: app\npackages:\n${'- a\n'.repeat(LIMITS.specValues + 10)}`,
    );
    expect(got).toEqual([expect.stringMatching(/^\d+:3: the spec has more than 20000 values/)]);
  });

  it('refuses a file over the size limit before reading it, naming the limit', async () => {
    const file = join(tmp, 'big.yaml');
    await writeFile(file, 'name: app\n');
    await truncate(file, 50 * 1024 * 1024);
    const { diagnostics } = await checkSpecFile(file);
    expect(diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
      '1:1: the spec file is 50 MiB; a spec file may be at most 1 MiB. Check that the path names the spec file',
    ]);
  });

  it('refuses a device that reports no size and a directory', async () => {
    const dev = await checkSpecFile('/dev/zero');
    expect(dev.diagnostics.map((d) => d.message)).toEqual([
      'cannot read the spec file: it is not a regular file; give the path of the YAML spec file',
    ]);
    const dir = await checkSpecFile(tmp);
    expect(dir.diagnostics.map((d) => d.message)).toEqual([
      'cannot read the spec file: it is a directory; give the path of the YAML spec file inside it',
    ]);
  });

  it('refuses deep flow and block nesting at the place it gets too deep', async () => {
    const flow = await problems(
      'deep-flow.yaml',
      `name: app\nx-deep: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
    );
    expect(flow).toEqual([
      '2:72: the spec nests collections more than 64 levels deep here; a spec this deep is refused',
    ]);
    const block = await problems('deep-block.yaml', `name: app\nx-deep: ${'- '.repeat(100_000)}x\n`);
    expect(block).toEqual([
      expect.stringMatching(/^2:\d+: the spec nests collections more than 64 levels deep/),
    ]);
    const indented = Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    expect(await problems('deep-indent.yaml', `name: app\nx-deep:\n${indented} 1\n`)).toEqual([
      expect.stringMatching(/more than 64 levels deep/),
    ]);
  });
});

describe('files the spec names', () => {
  it('refuses a requirements file, Dockerfile or dockerignore over its limit at its field', async () => {
    const dir = join(tmp, 'named');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'requirements.txt'), 'numpy\n');
    await truncate(join(dir, 'requirements.txt'), LIMITS.requirementsBytes + 1);
    await writeFile(join(dir, 'Dockerfile'), 'FROM x\n');
    await truncate(join(dir, 'Dockerfile'), LIMITS.dockerfileBytes + 1);
    await writeFile(join(dir, 'ignore'), '*\n');
    await truncate(join(dir, 'ignore'), LIMITS.ignoreBytes + 1);
    await writeFile(
      join(dir, 'imagespec.yaml'),
      'images:\n  a:\n    requirements: requirements.txt\n  b:\n    dockerfile: Dockerfile\n    dockerignore: ignore\n',
    );
    const { diagnostics } = await checkSpecFile(join(dir, 'imagespec.yaml'));
    expect(diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
      '3:19: images.a.requirements "requirements.txt" is 16.0 MiB; it is read whole, and the limit is 16 MiB. Check that the path names the right file',
      '5:17: images.b.dockerfile "Dockerfile" is 4.0 MiB; it is read whole, and the limit is 4 MiB. Check that the path names the right file',
      '6:19: images.b.dockerignore "ignore" is 1.0 MiB; it is read whole, and the limit is 1 MiB. Check that the path names the right file',
    ]);
  });

  it('refuses an implied .dockerignore and a secret file over their limits when they are read', async () => {
    const ctxDir = join(tmp, 'ctx');
    await mkdir(ctxDir, { recursive: true });
    await writeFile(join(ctxDir, '.dockerignore'), '');
    await truncate(join(ctxDir, '.dockerignore'), LIMITS.ignoreBytes + 1);
    const err = await contextDigest(ctxDir, undefined, undefined, (p) => p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^ignore file .*\.dockerignore is 1\.0 MiB; this tool reads at most 1 MiB of it/,
    );

    const secret = join(tmp, 'secret');
    await writeFile(secret, '');
    await truncate(secret, LIMITS.secretBytes + 1);
    const ctx = {
      planned: {
        spec: {
          file: 'imagespec.yaml',
          id: 'app',
          secrets: [{ id: 's', src: secret }],
          pip_secret_mounts: [],
        },
      },
      secrets: [{ id: 's', src: secret }],
    } as unknown as BuildContext;
    const log = {
      info: () => {},
      warning: () => {},
      group: <T>(_: string, fn: () => Promise<T>) => fn(),
      setSecret: () => {},
    };
    const secretErr = await checkSecrets(ctx, {}, log).catch((e: unknown) => e);
    expect(secretErr).toBeInstanceOf(UserError);
    expect((secretErr as Error).message).toMatch(
      /images\.app\.secrets\[0\]\.src: secret 's' file .* is 500001 bytes; BuildKit takes secrets of at most 500 KB/,
    );
  });

  it('reads at most limit + 1 bytes, whatever fstat says', async () => {
    const file = join(tmp, 'exact');
    await writeFile(file, 'x'.repeat(100));
    expect((await readBounded(file, 100)).length).toBe(100);
    expect(readBoundedSync(file, 100).length).toBe(100);
    await expect(readBounded(file, 99)).rejects.toBeInstanceOf(FileTooLarge);
    expect(() => readBoundedSync(file, 99)).toThrow(FileTooLarge);
    await expect(readBounded('/dev/zero', 10)).rejects.toBeInstanceOf(NotRegularFile);
  });
});
