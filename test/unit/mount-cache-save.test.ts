import { describe, expect, it } from 'vitest';
import { mountsRan } from '../../src/mount-cache/index.js';
import { mountCacheRunner, mountKeys } from '../../src/mount-cache/run.js';
import type { CacheStore } from '../../src/mount-cache/index.js';
import { renderBuild } from '../../src/render/index.js';
import { image, planned } from './render-support.js';

describe('mountsRan', () => {
  const stats = { cachedSteps: 3, totalSteps: 5 };
  it('is false when every step mounting a cache came from the layer cache', () => {
    expect(mountsRan({ ...stats, mountSteps: 2, mountStepsRun: 0 })).toBe(false);
  });
  it('is true when a step mounting a cache ran', () => {
    expect(mountsRan({ ...stats, mountSteps: 2, mountStepsRun: 1 })).toBe(true);
  });
  it('without a mounting step in the log, follows whether any step ran', () => {
    expect(mountsRan({ cachedSteps: 4, totalSteps: 4, mountSteps: 0, mountStepsRun: 0 })).toBe(false);
    expect(mountsRan({ cachedSteps: 3, totalSteps: 4, mountSteps: 0, mountStepsRun: 0 })).toBe(true);
  });
});

describe('mountCacheRunner.after', () => {
  it('saves nothing when no step using a cache mount ran, even after a partial restore', async () => {
    const ctx = await renderBuild(planned(image({ packages: ['requests'] })), {});
    const keys = mountKeys(ctx);
    expect(keys.length).toBeGreaterThan(0);
    const saved: string[] = [];
    const store: CacheStore = {
      restoreCache: async () => undefined,
      saveCache: async (_paths, key) => {
        saved.push(key);
        return 1;
      },
    };
    const runner = mountCacheRunner({
      workDir: '/nonexistent/imagespec-mount-cache',
      restoreOnly: false,
      budgetBytes: 1 << 20,
      helperImage: 'debian:bookworm-slim',
      store,
    });
    const restored = keys.map((key) => ({ key, hit: 'partial' as const, restoredKey: `${key.key}-older` }));
    const line = await runner.after({ ctx, builder: 'none', restored, warnings: [] }, false);
    expect(saved).toEqual([]);
    expect(line.summary).toMatch(/partial; not saved: every step using them came from the layer cache$/);
  });
});
