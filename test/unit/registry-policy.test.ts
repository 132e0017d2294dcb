import { describe, expect, it } from 'vitest';
import { checkRequirePublic, decideUnknown } from '../../src/registry/policy.js';
import type { RegistryCheck } from '../../src/registry/existence.js';

const image = 'ghcr.io/o/app:abc';
const unknown: RegistryCheck = { state: 'unknown', cause: 'auth', reason: '401 without credentials' };

describe('on-unknown', () => {
  it('fails by default, saying why and how to fix credentials', () => {
    const d = decideUnknown(image, unknown, 'fail');
    expect(d.action).toBe('fail');
    expect(d.message).toContain('401 without credentials');
    expect(d.message).toContain('docker/login-action');
    expect(d.message).toContain('packages: read');
    expect(d.message).toContain("on-unknown to 'build'");
  });

  it('gives advice that fits the failure', () => {
    const d = decideUnknown(image, { cause: 'timeout', reason: 'no answer' }, 'fail');
    expect(d.message).toContain('did not answer in time');
    expect(d.message).not.toContain('docker/login-action');
  });

  it('builds or skips, saying which policy did it', () => {
    expect(decideUnknown(image, unknown, 'build')).toMatchObject({ action: 'build' });
    expect(decideUnknown(image, unknown, 'build').message).toContain("because on-unknown is 'build'");
    expect(decideUnknown(image, unknown, 'skip')).toMatchObject({ action: 'skip' });
    expect(decideUnknown(image, unknown, 'skip').message).toContain("because on-unknown is 'skip'");
  });
});

describe('require-public', () => {
  const settingsUrl = 'https://github.com/orgs/o/packages/container/app/settings';
  it('fails a private image with the settings URL', () => {
    const r = checkRequirePublic(image, { visibility: 'private', reason: 'API: private', settingsUrl }, true);
    expect(r.ok).toBe(false);
    expect(r.message).toContain(settingsUrl);
  });
  it('fails unknown visibility too, and passes public', () => {
    expect(checkRequirePublic(image, { visibility: 'unknown', reason: 'probe failed' }, true).ok).toBe(false);
    expect(
      checkRequirePublic(image, { visibility: 'public', reason: 'anonymous pull allowed' }, true).ok,
    ).toBe(true);
  });
  it('only informs when not required', () => {
    const r = checkRequirePublic(
      image,
      { visibility: 'internal', reason: 'API: internal', settingsUrl },
      false,
    );
    expect(r).toMatchObject({ ok: true });
    expect(r.message).toContain('internal');
  });
});

describe('images without a registry', () => {
  it('advise setting a registry', () => {
    const d = decideUnknown('app:abc', { cause: 'no-registry', reason: 'no registry is set' }, 'fail');
    expect(d.message).toContain("Set 'registry' in the spec");
  });
});
