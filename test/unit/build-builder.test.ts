import { describe, expect, it } from 'vitest';
import {
  canExportCache,
  canMultiPlatform,
  createBuilderArgs,
  type BuilderInfo,
} from '../../src/build/builder.js';

describe('createBuilderArgs', () => {
  it('creates a docker-container builder on the host network with the buildkitd config', () => {
    expect(createBuilderArgs('imagespec', '/tmp/x/buildkitd.toml')).toEqual([
      'buildx',
      'create',
      '--name',
      'imagespec',
      '--driver',
      'docker-container',
      '--driver-opt',
      'network=host',
      '--buildkitd-config',
      '/tmp/x/buildkitd.toml',
      '--bootstrap',
    ]);
  });

  it('passes no config file when there is none', () => {
    const args = createBuilderArgs('imagespec');
    expect(args).not.toContain('--buildkitd-config');
    expect(args).toContain('network=host');
  });
});

describe('builder capabilities', () => {
  const builder = (b: Partial<BuilderInfo>): BuilderInfo => ({
    name: 'b',
    driver: 'docker',
    platforms: [],
    ...b,
  });
  it('docker driver without the containerd image store can neither export a cache nor build several platforms', () => {
    const classic = builder({ containerdStore: false });
    expect(canExportCache(classic)).toBe(false);
    expect(canMultiPlatform(classic)).toBe(false);
    expect(canExportCache(builder({}))).toBe(false);
  });
  it('docker driver with the containerd image store and docker-container can do both', () => {
    for (const b of [builder({ containerdStore: true }), builder({ driver: 'docker-container' })]) {
      expect(canExportCache(b)).toBe(true);
      expect(canMultiPlatform(b)).toBe(true);
    }
  });
});
