import { describe, expect, it } from 'vitest';
import { checkRequirePublic, decideBuild } from '../../src/registry/policy.js';
import type { RegistryCheck } from '../../src/registry/existence.js';

const image = 'ghcr.io/o/app:abc';
const unknown: RegistryCheck = { state: 'unknown', cause: 'auth', reason: '401 without credentials' };

describe('on-unknown', () => {
  it('never turns exists or missing into anything else', () => {
    for (const policy of ['fail', 'build', 'skip'] as const) {
      expect(decideBuild(image, { state: 'exists', reason: 'found' }, policy).action).toBe('skip');
      expect(decideBuild(image, { state: 'missing', reason: '404' }, policy).action).toBe('build');
    }
  });

  it('fails by default, saying why and how to fix credentials', () => {
    const d = decideBuild(image, unknown, 'fail');
    expect(d.action).toBe('fail');
    expect(d.message).toContain('401 without credentials');
    expect(d.message).toContain('docker/login-action');
    expect(d.message).toContain('packages: read');
    expect(d.message).toContain("on-unknown to 'build'");
  });

  it('gives advice that fits the failure', () => {
    const d = decideBuild(image, { state: 'unknown', cause: 'timeout', reason: 'no answer' }, 'fail');
    expect(d.message).toContain('did not answer in time');
    expect(d.message).not.toContain('docker/login-action');
  });

  it('builds or skips with a warning', () => {
    expect(decideBuild(image, unknown, 'build')).toMatchObject({ action: 'build', warning: true });
    expect(decideBuild(image, unknown, 'skip')).toMatchObject({ action: 'skip', warning: true });
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
    const d = decideBuild(
      'app:abc',
      { state: 'unknown', cause: 'no-registry', reason: 'no registry is set' },
      'fail',
    );
    expect(d.message).toContain("Set 'registry' in the spec");
  });
});
