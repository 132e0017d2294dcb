import { describe, expect, it } from 'vitest';
import { combineVisibility, ghcrPackage, packageSettingsUrl } from '../../src/registry/visibility.js';
import { parseReference } from '../../src/registry/reference.js';

describe('visibility', () => {
  it('finds the owner and package of a ghcr.io image only', () => {
    expect(ghcrPackage(parseReference('ghcr.io/acme/team/app:t'))).toEqual({
      owner: 'acme',
      name: 'team/app',
    });
    expect(ghcrPackage(parseReference('quay.io/acme/app:t'))).toBeUndefined();
  });

  it('links the settings page, encoding slashes in the name', () => {
    expect(packageSettingsUrl('https://github.com/', 'orgs', 'acme', 'team/app')).toBe(
      'https://github.com/orgs/acme/packages/container/team%2Fapp/settings',
    );
  });

  it("prefers the Packages API's answer, keeping the probe's words", () => {
    const probe = { visibility: 'private' as const, reason: 'an anonymous pull is refused (401)' };
    const api = {
      visibility: 'internal' as const,
      reason: 'GitHub Packages API: internal',
      settingsUrl: 'https://s',
    };
    expect(combineVisibility(probe, api)).toEqual({
      visibility: 'internal',
      reason: 'GitHub Packages API: internal; an anonymous pull is refused (401)',
      settingsUrl: 'https://s',
    });
  });

  it('falls back to the probe when the API cannot tell', () => {
    const probe = { visibility: 'public' as const, reason: 'an anonymous pull is allowed' };
    const api = { visibility: 'unknown' as const, reason: "the workflow's token cannot see the package" };
    expect(combineVisibility(probe, api)).toEqual({
      visibility: 'public',
      reason: "an anonymous pull is allowed; the workflow's token cannot see the package",
    });
  });
});
