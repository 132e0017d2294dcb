import { describe, expect, it } from 'vitest';
import { absentPlatforms, parsePlatform, samePlatform } from '../../src/registry/platform.js';

describe('platforms', () => {
  it('normalizes like containerd', () => {
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(
      samePlatform(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v7' }),
    ).toBe(false);
  });

  it('names the requested platforms an index lacks', () => {
    const index = [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'unknown', architecture: 'unknown' },
    ];
    expect(absentPlatforms(['linux/amd64', 'linux/arm64'], index)).toEqual([]);
    expect(absentPlatforms(['linux/amd64', 'linux/arm/v7', 'linux/s390x'], index)).toEqual([
      'linux/arm/v7',
      'linux/s390x',
    ]);
  });
});
