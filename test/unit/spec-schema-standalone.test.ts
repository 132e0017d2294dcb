/**
 * The bundles carry the JSON Schema validator compiled at build time (ajv standalone code, see
 * scripts/build.mjs); tests run the one compiled at run time. Both must judge every fixture the same way,
 * down to each error (keyword, path, failing schema node), or dist/ would report other problems than tests see.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSchemaValidator, standaloneValidatorSource } from '../../src/spec/schema-compile.js';
import { readSpecFile, toJson } from '../../src/spec/index.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/spec');
const files = ['valid', 'invalid'].flatMap((dir) =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f)),
);

let dir: string;
let standalone: ValidateFunction;
const runtime = compileSchemaValidator();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imagespec-standalone-'));
  const file = join(dir, 'validator.mjs');
  // As in the bundle: the generated code require()s ajv's runtime helpers from this repository.
  const requireFrom = JSON.stringify(pathToFileURL(resolve(import.meta.dirname, '../../package.json')).href);
  writeFileSync(
    file,
    `import { createRequire } from 'node:module'; const require = createRequire(${requireFrom});\n${standaloneValidatorSource()}`,
  );
  const mod = (await import(pathToFileURL(file).href)) as { compileSchemaValidator(): ValidateFunction };
  standalone = mod.compileSchemaValidator();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schema validator compiled at build time', () => {
  it('is generated the same way every time (dist/ stays byte-identical)', () => {
    expect(standaloneValidatorSource()).toBe(standaloneValidatorSource());
  });

  it.each(files)('%s: same verdict and same errors as the run-time validator', async (name) => {
    const { doc } = await readSpecFile(join(FIXTURES, name));
    if (!doc) return; // YAML that does not load never reaches the schema
    const json = toJson(doc.value);
    const expected = runtime(json);
    expect(standalone(json)).toBe(expected);
    expect(standalone.errors ?? null).toEqual(runtime.errors ?? null);
  });

  it('rejects a wrong type the way the run-time validator does', () => {
    const bad = { name: 7, packages: 'numpy' };
    expect(runtime(bad)).toBe(false);
    expect(standalone(bad)).toBe(false);
    expect(standalone.errors?.map((e) => [e.keyword, e.instancePath])).toEqual(
      runtime.errors?.map((e) => [e.keyword, e.instancePath]),
    );
    expect(standalone.errors?.length).toBeGreaterThan(0);
  });
});
