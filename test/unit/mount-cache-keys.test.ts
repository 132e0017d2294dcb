import { describe, expect, it } from 'vitest';
import { formatBytes, mountCacheKey, parseSize } from '../../src/mount-cache/index.js';

describe('mount cache keys', () => {
  const mount = { id: 'imagespec-pip', target: '/root/.cache/pip' };

  it('changes the exact key with the fill but keeps the restore prefix', () => {
    const a = mountCacheKey('ml/app', ['linux/amd64'], mount, 'numpy\npandas');
    const b = mountCacheKey('ml/app', ['linux/amd64'], mount, 'numpy\npandas\nscipy');
    expect(a.key).not.toBe(b.key);
    expect(a.restoreKeys).toEqual(b.restoreKeys);
    expect(a.key.startsWith(a.restoreKeys[0] ?? '?')).toBe(true);
  });

  it('separates images, platforms and mounts', () => {
    const base = mountCacheKey('app', ['linux/amd64'], mount, 'x');
    expect(mountCacheKey('other', ['linux/amd64'], mount, 'x').restoreKeys).not.toEqual(base.restoreKeys);
    expect(mountCacheKey('app', ['linux/arm64'], mount, 'x').restoreKeys).not.toEqual(base.restoreKeys);
    expect(
      mountCacheKey('app', ['linux/amd64'], { ...mount, id: 'imagespec-apt' }, 'x').restoreKeys,
    ).not.toEqual(base.restoreKeys);
  });

  it('keeps keys free of characters the cache service rejects', () => {
    const key = mountCacheKey('ghcr.io/Org/app,x', ['linux/amd64', 'linux/arm64'], mount, 'x');
    expect(key.key).not.toMatch(/[,/ ]/);
  });
});

describe('sizes', () => {
  it.each([
    ['2GB', 2 * 1024 ** 3],
    ['512MiB', 512 * 1024 ** 2],
    ['1000', 1000],
    ['1.5k', 1536],
  ])('parses %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('rejects nonsense', () => {
    expect(parseSize('lots')).toBeUndefined();
  });

  it('formats bytes for people', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12)).toBe('12 B');
  });
});
