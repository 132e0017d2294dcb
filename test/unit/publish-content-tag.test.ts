import { describe, expect, it } from 'vitest';
import { stagingReference } from '../../src/publish/content-tag.js';
import { parseReference } from '../../src/registry/reference.js';

describe('stagingReference', () => {
  it('is the content tag with -staging, next to it in the same repository', () => {
    expect(stagingReference('ghcr.io/acme/app:abc123')).toBe('ghcr.io/acme/app:abc123-staging');
    expect(stagingReference('localhost:5000/app:v1')).toBe('localhost:5000/app:v1-staging');
  });

  it('stays a valid tag for the longest content tags', () => {
    const long = `ghcr.io/acme/app:${'a'.repeat(22)}${'-x'.repeat(53)}`;
    expect(parseReference(long).tag).toHaveLength(128);
    const staging = stagingReference(long);
    expect(parseReference(staging).tag).toHaveLength(128);
    expect(staging.endsWith('-staging')).toBe(true);
    expect(staging.startsWith(`ghcr.io/acme/app:${'a'.repeat(22)}`)).toBe(true);
  });
});
