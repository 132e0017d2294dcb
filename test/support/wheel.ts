/**
 * Builds tiny pure-Python wheels (PEP 427) for the testbed's package index: a zip holding the modules,
 * `{dist}-{version}.dist-info/METADATA`, `WHEEL` and `RECORD` (with sha256 of every file). Zipping uses fflate.
 */
import { createHash } from 'node:crypto';
import { zipSync, strToU8 } from 'fflate';

export interface WheelSpec {
  /** Project name as users write it, e.g. `tb-hello`. */
  name: string;
  version: string;
  /** Files by path inside the wheel, e.g. `{ 'tb_hello/__init__.py': '...' }`. Defaults to one module. */
  files?: Record<string, string>;
  /** `Requires-Dist` lines, e.g. `['tb-hello>=1.0']`. */
  requires?: string[];
  summary?: string;
}

export interface Wheel {
  filename: string;
  data: Buffer;
}

/** PEP 503 normalized project name. */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The distribution part of wheel file names (PEP 427 escaping). */
export const wheelDistName = (name: string): string => name.replace(/[-_.]+/g, '_');

/** The importable module name the default wheel content provides. */
export const moduleName = (name: string): string => normalizeName(name).replace(/-/g, '_');

const recordHash = (data: Uint8Array): string =>
  `sha256=${createHash('sha256').update(data).digest('base64url')}`;

export function buildWheel(spec: WheelSpec): Wheel {
  const dist = wheelDistName(spec.name);
  const mod = moduleName(spec.name);
  const files = spec.files ?? {
    [`${mod}/__init__.py`]: `__version__ = ${JSON.stringify(spec.version)}\n\ndef greet():\n    return ${JSON.stringify(`hello from ${spec.name} ${spec.version}`)}\n`,
  };
  const info = `${dist}-${spec.version}.dist-info`;
  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    `Summary: ${spec.summary ?? `Test package ${spec.name}`}`,
    ...(spec.requires ?? []).map((r) => `Requires-Dist: ${r}`),
    '',
  ].join('\n');
  const wheelInfo = [
    'Wheel-Version: 1.0',
    'Generator: imagespec-testbed',
    'Root-Is-Purelib: true',
    'Tag: py3-none-any',
    '',
  ].join('\n');
  const entries: Record<string, Uint8Array> = {};
  for (const [path, content] of Object.entries(files)) entries[path] = strToU8(content);
  entries[`${info}/METADATA`] = strToU8(metadata);
  entries[`${info}/WHEEL`] = strToU8(wheelInfo);
  const record = Object.entries(entries)
    .map(([path, data]) => `${path},${recordHash(data)},${data.length}`)
    .concat(`${info}/RECORD,,`, '')
    .join('\n');
  entries[`${info}/RECORD`] = strToU8(record);
  // A fixed mtime keeps wheels byte-identical across runs.
  const data = zipSync(entries, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') });
  return { filename: `${dist}-${spec.version}-py3-none-any.whl`, data: Buffer.from(data) };
}

/** The packages the testbed index always serves. `tb-math` depends on `tb-hello`. */
export const SEED_WHEELS: WheelSpec[] = [
  { name: 'tb-hello', version: '1.0.0' },
  { name: 'tb-hello', version: '1.1.0' },
  {
    name: 'tb-math',
    version: '0.2.0',
    requires: ['tb-hello>=1.0'],
    files: {
      'tb_math/__init__.py':
        '__version__ = "0.2.0"\n\nimport tb_hello\n\ndef add(a, b):\n    return a + b\n\ndef hello():\n    return tb_hello.greet()\n',
    },
  },
];
