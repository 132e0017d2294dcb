import { describe, expect, it } from 'vitest';
import { parseChallenges, pickChallenge } from '../../src/registry/challenge.js';

describe('WWW-Authenticate', () => {
  it('reads a registry Bearer challenge', () => {
    const header =
      'Bearer realm="http://127.0.0.1:47503/token",service="imagespec-testbed-registry",scope="repository:a/b:pull"';
    expect(parseChallenges(header)).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'http://127.0.0.1:47503/token',
          service: 'imagespec-testbed-registry',
          scope: 'repository:a/b:pull',
        },
      },
    ]);
  });

  it('reads Basic, unquoted values, escapes and spaces', () => {
    expect(parseChallenges('Basic realm="say \\"hi\\""')).toEqual([
      { scheme: 'basic', params: { realm: 'say "hi"' } },
    ]);
    expect(parseChallenges('bearer  realm = https://a/t , service=x')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://a/t', service: 'x' } },
    ]);
  });

  it('separates several challenges joined into one header', () => {
    const list = parseChallenges(
      'Basic realm="basic-realm", Bearer realm="https://auth/token",service="reg"',
    );
    expect(list.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(list[1]?.params).toEqual({ realm: 'https://auth/token', service: 'reg' });
    expect(pickChallenge(list)?.scheme).toBe('bearer');
  });

  it('prefers Bearer, falls back to Basic, ignores others', () => {
    expect(pickChallenge(parseChallenges('Basic realm="r"'))?.scheme).toBe('basic');
    expect(pickChallenge(parseChallenges('Negotiate'))).toBeUndefined();
    expect(pickChallenge(parseChallenges(''))).toBeUndefined();
  });
});
