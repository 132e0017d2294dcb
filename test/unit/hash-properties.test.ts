import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planImages } from '../../src/hash/index.js';
import type { Flavor, ImageSpec, PyValue } from '../../src/spec/types.js';
import { imageSpec } from '../support/image-spec.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-hash-props-'));
  await mkdir(path.join(dir, 'src/pkg'), { recursive: true });
  await writeFile(path.join(dir, 'requirements.txt'), 'numpy\n');
  await writeFile(path.join(dir, 'src/pkg/a.py'), 'A = 1\n');
  await writeFile(path.join(dir, 'src/b.txt'), 'bbb');
  await writeFile(path.join(dir, 'extra.txt'), 'extra');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A typed spec around `raw`, as the spec stage would build it for a file in `dir`. */
function spec(raw: Array<[string, PyValue]>, typed: Partial<ImageSpec> = {}): ImageSpec {
  return imageSpec(dir, { id: 'img', name: 'img', raw: new Map(raw), ...typed });
}

async function tagOf(s: ImageSpec, flavor: Flavor): Promise<string> {
  const [p] = await planImages({ file: s.file, images: [s] }, { flavor });
  return p!.reference;
}

const BASE: Array<[string, PyValue]> = [
  ['name', 'img'],
  ['python_version', '3.11'],
  ['source_root', 'src'],
  ['env', { type: 'dict', entries: [['A', '1']] }],
  ['packages', ['pandas']],
  ['requirements', 'requirements.txt'],
  ['apt_packages', ['git']],
  ['commands', ['echo hi']],
  ['source_copy_mode', 'all'],
  ['copy', ['extra.txt', 'src/pkg']],
];
const HASHED = [
  'name',
  'python_version',
  'env',
  'packages',
  'apt_packages',
  'commands',
  'cuda',
  'pip_index',
  'entrypoint',
  'python_exec',
];
const EXCLUDED = ['builder', 'runtime_packages', 'pip_secret_mounts', 'registry_config'];

const scalar: fc.Arbitrary<PyValue> = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.bigInt(),
  fc.double({ noNaN: true }),
  fc.constant(null),
);
const value: fc.Arbitrary<PyValue> = fc.oneof(scalar, fc.array(fc.string(), { maxLength: 4 }));

function withField(field: string, v: PyValue): Array<[string, PyValue]> {
  const raw = BASE.filter(([k]) => k !== field);
  raw.push([field, v]);
  return raw;
}

const flavors = fc.constantFrom<Flavor>('flyte', 'generic');

describe('property: tags follow exactly the hashed inputs', () => {
  it('any change to a hashed field changes the tag', async () => {
    await fc.assert(
      fc.asyncProperty(flavors, fc.constantFrom(...HASHED), value, value, async (flavor, field, a, b) => {
        fc.pre(
          JSON.stringify(a, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) !==
            JSON.stringify(b, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)),
        );
        fc.pre(!(typeof a === 'number' && typeof b === 'number' && Object.is(a, b)));
        if (field === 'name')
          fc.pre(typeof a === 'string' && typeof b === 'string' && a.toLowerCase() !== b.toLowerCase());
        fc.pre(a !== null && b !== null); // None is dropped, so null and absent agree by design
        const ta = await tagOf(spec(withField(field, a)), flavor);
        const tb = await tagOf(spec(withField(field, b)), flavor);
        expect(ta).not.toBe(tb);
      }),
      { numRuns: 60 },
    );
  });

  it('any change to an excluded field leaves the tag alone', async () => {
    await fc.assert(
      fc.asyncProperty(flavors, fc.constantFrom(...EXCLUDED), value, async (flavor, field, v) => {
        const without = await tagOf(spec(BASE), flavor);
        const withIt = await tagOf(spec([...BASE, [field, v]]), flavor);
        expect(withIt).toBe(without);
      }),
      { numRuns: 40 },
    );
  });

  it('build secrets never change a generic tag; build args and labels do', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.string(), async (key, val) => {
        const plain = await tagOf(spec(BASE), 'generic');
        expect(await tagOf(spec(BASE, { secrets: [{ id: key, env: val }] }), 'generic')).toBe(plain);
        expect(await tagOf(spec(BASE, { build_args: { [key]: val } }), 'generic')).not.toBe(plain);
        expect(await tagOf(spec(BASE, { labels: { [key]: val } }), 'generic')).not.toBe(plain);
      }),
      { numRuns: 20 },
    );
  });

  it('any change to a byte of a hashed file changes the tag', async () => {
    const files = ['requirements.txt', 'src/pkg/a.py', 'src/b.txt', 'extra.txt'];
    const original = new Map<string, Buffer>();
    for (const f of files) original.set(f, await readFile(path.join(dir, f)));
    try {
      await fc.assert(
        fc.asyncProperty(
          flavors,
          fc.constantFrom(...files),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          async (flavor, file, at, xor) => {
            const bytes = Buffer.from(original.get(file)!);
            const i = at % bytes.length;
            const before = await tagOf(spec(BASE), flavor);
            bytes[i] = bytes[i]! ^ xor;
            // requirements are hashed with surrounding whitespace stripped (flytekit), so keep the change inside.
            if (file === 'requirements.txt')
              fc.pre(bytes.toString('latin1').trim().length === bytes.length - 1 && i < bytes.length - 1);
            await writeFile(path.join(dir, file), bytes);
            try {
              expect(await tagOf(spec(BASE), flavor)).not.toBe(before);
            } finally {
              await writeFile(path.join(dir, file), original.get(file)!);
            }
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      for (const [f, b] of original) await writeFile(path.join(dir, f), b);
    }
  });

  it('the same inputs give the same tag, and flavors never share one', async () => {
    const flyte = await tagOf(spec(BASE), 'flyte');
    expect(await tagOf(spec(BASE), 'flyte')).toBe(flyte);
    expect(await tagOf(spec(BASE), 'generic')).not.toBe(flyte);
  });
});
