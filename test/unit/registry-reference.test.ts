import { describe, expect, it } from 'vitest';
import {
  apiHost,
  formatReference,
  isLoopback,
  parseReference,
  registryBaseUrl,
} from '../../src/registry/reference.js';
import { UserError } from '../../src/errors.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['python', { domain: 'docker.io', path: 'library/python' }],
    ['python:3.11-slim', { domain: 'docker.io', path: 'library/python', tag: '3.11-slim' }],
    ['flyteorg/flytekit:py3.11', { domain: 'docker.io', path: 'flyteorg/flytekit', tag: 'py3.11' }],
    ['docker.io/ubuntu', { domain: 'docker.io', path: 'library/ubuntu' }],
    ['index.docker.io/library/ubuntu:22.04', { domain: 'docker.io', path: 'library/ubuntu', tag: '22.04' }],
    ['registry-1.docker.io/ubuntu', { domain: 'docker.io', path: 'library/ubuntu' }],
    ['ghcr.io/org/team/app:abc', { domain: 'ghcr.io', path: 'org/team/app', tag: 'abc' }],
    ['localhost:5000/app', { domain: 'localhost:5000', path: 'app' }],
    ['localhost/app:v1', { domain: 'localhost', path: 'app', tag: 'v1' }],
    ['127.0.0.1:47501/a/b:t', { domain: '127.0.0.1:47501', path: 'a/b', tag: 't' }],
    ['10.0.0.1/app', { domain: '10.0.0.1', path: 'app' }],
    ['[::1]:5000/app:t', { domain: '[::1]:5000', path: 'app', tag: 't' }],
    ['Registry/app', { domain: 'Registry', path: 'app' }],
    [`ghcr.io/o/app@${DIGEST}`, { domain: 'ghcr.io', path: 'o/app', digest: DIGEST }],
    [`ghcr.io/o/app:t@${DIGEST}`, { domain: 'ghcr.io', path: 'o/app', tag: 't', digest: DIGEST }],
    ['my-reg.example.com:8443/a__b/c.d-e', { domain: 'my-reg.example.com:8443', path: 'a__b/c.d-e' }],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['ghcr.io/Org/app', 'lowercase'],
    ['app:-bad', "tag '-bad'"],
    [`ghcr.io/o/app@sha256:abc`, 'not a digest'],
    ['a'.repeat(64), 'image ID'],
    ['ghcr.io/o/app_', 'repository path components'],
    [`ghcr.io/${'a'.repeat(260)}`, 'longer than 255'],
  ])('rejects %j with a clear message', (text, words) => {
    expect(() => parseReference(text)).toThrow(UserError);
    expect(() => parseReference(text)).toThrow(words);
  });

  it('formats the fully qualified form back', () => {
    expect(formatReference(parseReference('python:3.11'))).toBe('docker.io/library/python:3.11');
    expect(formatReference(parseReference(`ghcr.io/o/a:t@${DIGEST}`))).toBe(`ghcr.io/o/a:t@${DIGEST}`);
  });
});

describe('registry endpoints', () => {
  it('sends Docker Hub requests to its API host', () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
  });

  it('uses plain HTTP for loopback registries, as Docker does', () => {
    expect(isLoopback('localhost:5000')).toBe(true);
    expect(isLoopback('127.0.0.1:47501')).toBe(true);
    expect(isLoopback('127.5.6.7')).toBe(true);
    expect(isLoopback('[::1]:5000')).toBe(true);
    expect(isLoopback('128.0.0.1')).toBe(false);
    expect(registryBaseUrl('127.0.0.1:47501')).toBe('http://127.0.0.1:47501');
    expect(registryBaseUrl('[::1]:5000')).toBe('http://[::1]:5000');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
  });

  it('uses plain HTTP for registries listed as insecure', () => {
    const insecure = ['my-registry.practicus.my-company.com', 'http://other.example.com:5000/'];
    expect(registryBaseUrl('my-registry.practicus.my-company.com', insecure)).toMatch(/^http:/);
    expect(registryBaseUrl('my-registry.practicus.my-company.com:8080', insecure)).toMatch(/^http:/);
    expect(registryBaseUrl('other.example.com:5000', insecure)).toMatch(/^http:/);
    expect(registryBaseUrl('other.example.com:6000', insecure)).toMatch(/^https:/);
    expect(registryBaseUrl('ghcr.io', insecure)).toMatch(/^https:/);
  });
});
