/**
 * Every example spec (one per source document the product covers, plus the quickstart) is valid, gets stable
 * tags in both flavors, and renders for every image.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planImages } from '../../src/hash/index.js';
import { renderBuild } from '../../src/render/index.js';
import { loadSpecFile } from '../../src/spec/index.js';

const root = path.resolve(import.meta.dirname, '../../examples');
const specs = [
  path.join(root, 'quickstart/imagespec.yaml'),
  ...readdirSync(path.join(root, 'specs')).map((d) => path.join(root, 'specs', d, 'imagespec.yaml')),
];

describe('example specs', () => {
  it('cover every source document', () => {
    const names = specs.map((s) => path.basename(path.dirname(s)));
    expect(names).toEqual(expect.arrayContaining(['lightning', 'zenml', 'practicus', 'union', 'flyte']));
  });

  for (const spec of specs) {
    const name = path.relative(root, spec);
    it(`${name}: loads, tags and renders every image`, async () => {
      const file = await loadSpecFile(spec);
      expect(file.images.length).toBeGreaterThan(0);
      for (const flavor of ['generic', 'flyte'] as const) {
        const planned = await planImages(file, { flavor });
        const again = await planImages(await loadSpecFile(spec), { flavor });
        expect(again.map((p) => p.reference)).toEqual(planned.map((p) => p.reference));
        if (flavor === 'flyte' && file.images.some((i) => i.dockerfile)) continue;
        for (const p of planned) {
          const ctx = await renderBuild(p);
          expect(ctx.dockerfile).toMatch(/^FROM /m);
        }
      }
    });
  }

  it('the layered ZenML example builds its pipeline image on the custom Dockerfile image', async () => {
    const planned = await planImages(await loadSpecFile(path.join(root, 'specs/zenml/imagespec.yaml')), {
      flavor: 'generic',
    });
    const [parent, child] = planned;
    expect(child?.baseReference).toBe(parent?.reference);
    const ctx = await renderBuild(child!);
    expect(ctx.dockerfile).toContain(`FROM ${parent?.reference}`);
  });
});
