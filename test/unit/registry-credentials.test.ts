import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialError, findCredentials, normalizeRegistry } from '../../src/registry/credentials.js';
import { writeCredHelper, type InstalledHelper } from '../support/cred-helper.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

let dir: string;
let helper: InstalledHelper;

async function config(json: unknown): Promise<void> {
  await writeFile(join(dir, 'config.json'), JSON.stringify(json));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-creds-'));
  helper = await writeCredHelper(dir, 'imagespec-test', {
    'ghcr.io': { Username: 'helper-user', Secret: 'helper-secret' },
    'https://index.docker.io/v1/': { Username: 'hub-user', Secret: 'hub-secret' },
    'oauth.example.com': { Username: '<token>', Secret: 'refresh-me' },
    'broken.example.com': { fail: 'keychain locked' },
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const opts = () => ({ configDir: dir, env: helper.env });

describe('credentials', () => {
  it('normalizes the registry names Docker writes as keys', () => {
    expect(normalizeRegistry('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeRegistry('registry-1.docker.io')).toBe('docker.io');
    expect(normalizeRegistry('http://localhost:5000/v2/')).toBe('localhost:5000');
    expect(normalizeRegistry('myhost')).toBe('myhost');
  });

  it('reads base64 auth from auths, with legacy URL keys', async () => {
    await config({ auths: { 'https://127.0.0.1:5000/v1/': { auth: b64('ci:pa:ss') } } });
    expect(await findCredentials('127.0.0.1:5000', opts())).toEqual({
      kind: 'basic',
      username: 'ci',
      password: 'pa:ss',
      source: `auths in ${join(dir, 'config.json')}`,
    });
    expect(await findCredentials('127.0.0.1:5001', opts())).toBeUndefined();
  });

  it('maps Docker Hub to https://index.docker.io/v1/', async () => {
    await config({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } } });
    const creds = await findCredentials('docker.io', opts());
    expect(creds).toMatchObject({ kind: 'basic', username: 'hub', password: 'pw' });
  });

  it('takes an identitytoken over the password', async () => {
    await config({ auths: { 'ghcr.io': { auth: b64('u:'), identitytoken: 'refresh-token' } } });
    expect(await findCredentials('ghcr.io', opts())).toMatchObject({
      kind: 'identity-token',
      token: 'refresh-token',
    });
  });

  it('asks credHelpers[host] first, then credsStore, then auths', async () => {
    await config({
      credHelpers: { 'ghcr.io': 'imagespec-test' },
      credsStore: 'imagespec-test',
      auths: { 'ghcr.io': { auth: b64('file:pw') }, 'quay.io': { auth: b64('quay:pw') } },
    });
    expect(await findCredentials('ghcr.io', opts())).toMatchObject({
      username: 'helper-user',
      password: 'helper-secret',
      source: expect.stringContaining('credHelpers'),
    });
    expect(await findCredentials('docker.io', opts())).toMatchObject({
      username: 'hub-user',
      source: expect.stringContaining('credsStore'),
    });
    // The helper holds nothing for quay.io: the auths entry answers.
    expect(await findCredentials('quay.io', opts())).toMatchObject({ username: 'quay' });
    const asked = (await readFile(join(dir, 'imagespec-test-store.json.log'), 'utf8')).trim().split('\n');
    expect(asked).toEqual(['ghcr.io', 'https://index.docker.io/v1/', 'quay.io']);
  });

  it("reads a helper's <token> answer as an identity token", async () => {
    await config({ credsStore: 'imagespec-test' });
    expect(await findCredentials('oauth.example.com', opts())).toMatchObject({
      kind: 'identity-token',
      token: 'refresh-me',
    });
  });

  it('reports a failing or absent helper instead of going anonymous', async () => {
    await config({ credsStore: 'imagespec-test', credHelpers: { 'x.example.com': 'not-installed' } });
    await expect(findCredentials('broken.example.com', opts())).rejects.toThrow(/keychain locked/);
    await expect(findCredentials('x.example.com', opts())).rejects.toThrow(
      /docker-credential-not-installed is not on PATH/,
    );
    await expect(findCredentials('x.example.com', opts())).rejects.toBeInstanceOf(CredentialError);
  });

  it('prefers explicit username/password for their registry only', async () => {
    await config({ auths: { 'ghcr.io': { auth: b64('file:pw') } } });
    const explicit = [{ registry: 'https://ghcr.io', username: 'me', password: 'tok' }];
    expect(await findCredentials('ghcr.io', { ...opts(), explicit })).toMatchObject({
      username: 'me',
      password: 'tok',
    });
    expect(await findCredentials('quay.io', { ...opts(), explicit })).toBeUndefined();
  });

  it('uses $DOCKER_CONFIG and masks every secret', async () => {
    await config({ auths: { 'ghcr.io': { auth: b64('u:s3cret') } } });
    const masked: string[] = [];
    const creds = await findCredentials('ghcr.io', {
      env: { ...helper.env, DOCKER_CONFIG: dir },
      mask: (s) => masked.push(s),
    });
    expect(creds).toMatchObject({ password: 's3cret' });
    expect(masked).toEqual(['s3cret', b64('u:s3cret')]);
  });

  it('names a broken config.json', async () => {
    await writeFile(join(dir, 'config.json'), '{ not json');
    await expect(findCredentials('ghcr.io', opts())).rejects.toThrow(/config.json is not valid JSON/);
  });

  it('is anonymous without a config file', async () => {
    expect(await findCredentials('ghcr.io', { configDir: join(dir, 'none') })).toBeUndefined();
  });
});
