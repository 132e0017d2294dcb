import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesJson, changesMarkdown, diffRecords } from '../../src/hash/changes.js';
import {
  RECORD_MAX_BYTES,
  explainRecord,
  explainRecordWithSums,
  parseRecord,
  redact,
  serializeRecord,
  type ExplainRecord,
} from '../../src/hash/record.js';
import { planTags } from '../../src/pipeline.js';
import type { Flavor } from '../../src/spec/types.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-changes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the spec and requirements file, plans the image and returns its record. */
async function recordOf(
  spec: string,
  requirements: string,
  flavor: Flavor = 'generic',
): Promise<ExplainRecord> {
  await writeFile(path.join(dir, 'requirements.txt'), requirements);
  await writeFile(path.join(dir, 'imagespec.yaml'), spec);
  const [planned] = await planTags(path.join(dir, 'imagespec.yaml'), { flavor, mode: 'hash' });
  return explainRecord(planned!);
}

const SPEC = (pkgs: string, extra = ''): string =>
  `name: app\nregistry: ghcr.io/acme\npython_version: "3.11"\npackages: [${pkgs}]\nrequirements: requirements.txt\nenv: {A: "1"}\n${extra}`;

describe('explain record', () => {
  it('keeps hashed inputs only, with list and mapping items, and survives a round trip', async () => {
    const r = await recordOf(SPEC('"torch==2.5.0", numpy', 'pip_secret_mounts: [[a, b]]\n'), 'pandas\n');
    const names = r.fields.map((f) => f.field);
    expect(names).toEqual(expect.arrayContaining(['name', 'packages', 'requirements', 'env', 'salt']));
    expect(names).not.toContain('pip_secret_mounts');
    const packages = r.fields.find((f) => f.field === 'packages')!;
    expect(packages.items).toEqual(['torch==2.5.0', 'numpy']);
    expect(r.fields.find((f) => f.field === 'env')!.items).toEqual(['A=1']);
    const req = r.fields.find((f) => f.field === 'requirements')!;
    expect(req.kind).toBe('digest');
    expect(req.files).toEqual(['requirements.txt']);
    expect(parseRecord(serializeRecord(r))).toEqual(r);
  });

  it('redacts credentials in URLs but a changed token still differs', () => {
    const a = redact("'https://user:s3cret@pypi.example/simple'");
    const b = redact("'https://user:other@pypi.example/simple'");
    expect(a).not.toContain('s3cret');
    expect(a).toContain('https://***@pypi.example/simple');
    expect(a).not.toBe(b);
    expect(redact("'https://pypi.org/simple'")).toBe("'https://pypi.org/simple'");
  });

  it('stays within its bound: file lists and long values give way', async () => {
    const many = Array.from({ length: 600 }, (_, i) => `"package-number-${i}==1.0.${i}"`).join(', ');
    const r = await recordOf(SPEC(many), 'x\n');
    const text = serializeRecord(r);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(RECORD_MAX_BYTES);
    const back = parseRecord(text)!;
    expect(back.truncated).toBe(true);
    expect(back.fields.find((f) => f.field === 'packages')!.value).toMatch(/^sha256:/);
  });

  it('refuses text that is not a record', () => {
    expect(parseRecord('{"v": 99, "fields": []}')).toBeUndefined();
    expect(parseRecord('not json')).toBeUndefined();
    expect(parseRecord(undefined)).toBeUndefined();
  });
});

describe('changes between records', () => {
  it('one package and one requirements line changed: exactly those two fields', async () => {
    const before = await recordOf(SPEC('"torch==2.5.0", numpy'), 'pandas==2.2.2\nscipy\n');
    const after = await recordOf(SPEC('"torch==2.5.1", numpy'), 'pandas==2.2.3\nscipy\n');
    const changes = diffRecords(before, after);
    expect(changes.map((c) => c.field)).toEqual(['packages', 'requirements']);
    expect(changes[0]!.text).toBe('packages: + torch==2.5.1, − torch==2.5.0');
    expect(changes[1]!.text).toBe('requirements: content changed');
    const json = JSON.parse(changesJson(changes)) as Array<Record<string, unknown>>;
    expect(json[0]).toEqual({
      field: 'packages',
      before: ['torch==2.5.0', 'numpy'],
      after: ['torch==2.5.1', 'numpy'],
    });
    expect(json[1]!.before).toMatch(/^[0-9a-f]{40}$/);
    expect(json[1]!.after).toMatch(/^[0-9a-f]{40}$/);
    expect(json[1]!.before).not.toBe(json[1]!.after);
    expect(changesMarkdown(changes)[0]).toBe('- `packages`: + torch==2.5.1, − torch==2.5.0');
  });

  it('no change, a set field, a removed field, a scalar and a base image tag', async () => {
    const before = await recordOf(
      SPEC('numpy', 'base_image: ghcr.io/acme/base:1\ncommands: [echo hi]\n'),
      'x\n',
    );
    expect(diffRecords(before, before)).toEqual([]);
    const after = await recordOf(
      SPEC('numpy', 'base_image: ghcr.io/acme/base:2\napt_packages: [git]\n').replace('3.11', '3.12'),
      'x\n',
    );
    const texts = diffRecords(before, after).map((c) => c.text);
    expect(texts).toEqual([
      'python_version: 3.11 → 3.12',
      'apt_packages: set to git',
      'base_image: tag changed (1 → 2)',
      'commands: removed (was echo hi)',
    ]);
  });

  it('copy: which files changed, were added and removed, each compared by its own digest', async () => {
    const data = path.join(dir, 'data');
    await rm(data, { recursive: true, force: true });
    await mkdir(data);
    for (const f of ['a.csv', 'b.csv', 'c.csv', 'd.csv', 'old.csv'])
      await writeFile(path.join(data, f), `${f}\n`);
    const spec = `name: app\nregistry: ghcr.io/acme\ncopy: [data]\n`;
    await writeFile(path.join(dir, 'imagespec.yaml'), spec);
    const plan = async () =>
      explainRecordWithSums(
        (await planTags(path.join(dir, 'imagespec.yaml'), { flavor: 'generic', mode: 'hash' }))[0]!,
      );
    const before = await plan();
    for (const f of ['a.csv', 'b.csv', 'c.csv']) await writeFile(path.join(data, f), `${f} v2\n`);
    await rm(path.join(data, 'old.csv'));
    await writeFile(path.join(data, 'new.csv'), 'new\n');
    const after = await plan();
    expect(diffRecords(before, after).map((c) => c.text)).toEqual([
      'copy: 3 files changed (data/a.csv, data/b.csv, data/c.csv), + data/new.csv, − data/old.csv',
    ]);
    // The same record read back from its label compares the same way.
    expect(diffRecords(parseRecord(serializeRecord(before))!, after)).toEqual(diffRecords(before, after));
  });

  it('the flyte flavor records what flytekit hashes', async () => {
    const before = await recordOf(SPEC('numpy'), 'a\n', 'flyte');
    const after = await recordOf(SPEC('numpy, scipy'), 'a\n', 'flyte');
    expect(before.fields.map((f) => f.field)).not.toContain('salt');
    expect(diffRecords(before, after).map((c) => c.text)).toEqual(['packages: + scipy']);
  });
});
