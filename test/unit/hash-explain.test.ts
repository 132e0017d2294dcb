import { describe, expect, it } from 'vitest';
import { explainMarkdown, explainText } from '../../src/hash/index.js';
import type { ImageSpec, PlannedImage } from '../../src/spec/types.js';

const planned: PlannedImage = {
  spec: { id: 'app', name: 'app' } as ImageSpec,
  flavor: 'flyte',
  specHash: 'abc_DEF',
  tag: 'abc_DEF-dev',
  repository: 'ghcr.io/acme/app',
  reference: 'ghcr.io/acme/app:abc_DEF-dev',
  baseReference: 'ghcr.io/acme/base:xyz',
  platforms: ['linux/amd64', 'linux/arm64'],
  inputs: [
    { field: 'name', value: "'app'", status: 'hashed' },
    { field: 'packages', value: "['a|b']", status: 'hashed' },
    { field: 'requirements', value: "'0123'", status: 'replaced', files: ['requirements.txt'] },
    { field: 'builder', value: 'the builder does not change the tag', status: 'excluded' },
    {
      field: 'copy',
      value: "'4567'",
      status: 'replaced',
      files: Array.from({ length: 105 }, (_, i) => `data/f${i}`),
    },
  ],
};

describe('explain renderers', () => {
  it('markdown: one table row per input, excluded marked, files listed and capped, pipes escaped', () => {
    const md = explainMarkdown([planned]);
    expect(md).toContain('### app: `ghcr.io/acme/app:abc_DEF-dev`');
    expect(md).toContain("| `requirements` | `'0123'` | SHA-1 of the file");
    expect(md).toContain("| `packages` | `['a\\|b']` |");
    expect(md).toContain('| `builder` | *excluded* | the builder does not change the tag |');
    expect(md).toContain('`ghcr.io/acme/base:xyz`');
    expect(md).toContain('copy: 105 files');
    expect(md).toContain('- `data/f99`');
    expect(md).not.toContain('- `data/f100`');
    expect(md).toContain('… and 5 more');
    expect(md).toContain('tag `abc_DEF-dev`');
  });

  it('text: inputs in order with the files behind each digest, then hash and tag', () => {
    const text = explainText([planned]);
    const lines = text.split('\n');
    const at = (s: string): number => lines.findIndex((l) => l.includes(s));
    expect(at("'app'")).toBeLessThan(at("'0123'"));
    expect(lines[at("'0123'") + 1]!.trim()).toBe('requirements.txt');
    expect(text).toMatch(/builder\s+excluded: the builder does not change the tag/);
    expect(text).toContain('data/f104');
    expect(text).toContain('tag:       abc_DEF-dev');
  });
});
