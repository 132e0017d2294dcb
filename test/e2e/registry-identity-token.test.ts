/**
 * Identity tokens (`identitytoken` in config.json, or a helper answering Username `<token>`): the client
 * exchanges them at the token service with the OAuth2 `refresh_token` grant, as the Docker CLI does.
 * The testbed's token service has no refresh tokens, so this suite runs its own real distribution registry
 * (docker-registry serve) whose token realm is a token service that adds the grant to the testbed's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, checkExistence } from '../../src/registry/index.js';
import { writeCredHelper } from '../support/cred-helper.js';
import { pushImage, tokenAuth } from '../support/registry-upload.js';
import {
  createTokenServer,
  grant,
  parseScopes,
  TokenIssuer,
  type TokenUser,
} from '../support/token-server.js';
import { testbed } from '../support/testbed.js';

const STATE = testbed().dir;

const SERVICE = 'imagespec-identity-registry';
const ISSUER = 'imagespec-identity-tokens';
const users: Record<string, TokenUser> = { pusher: { password: randomUUID(), push: true } };
const REFRESH = `refresh-${randomUUID()}`;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let dir: string;
let tokenServer: Server;
let registry: ChildProcess;
let registryHost: string;
let realm: string;
const grants: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`registry on port ${port} did not start`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-identity-'));
  const keyPem = await readFile(join(STATE, 'token/key.pem'), 'utf8');
  const certPem = await readFile(join(STATE, 'token/cert.pem'), 'utf8');
  const opts = { keyPem, certPem, issuer: ISSUER, service: SERVICE, users };
  const base = createTokenServer(opts);
  const issuer = new TokenIssuer(opts);
  // The OAuth2 refresh_token grant; everything else goes to the testbed's token service code.
  tokenServer = createServer((req, res) => {
    if (req.method !== 'POST') return void base.emit('request', req, res);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      grants.push(`${form.get('grant_type')} service=${form.get('service')} scope=${form.get('scope')}`);
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== REFRESH) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: 'invalid_grant' }));
      }
      const access = grant(parseScopes(form.getAll('scope')), { password: '', push: false });
      const token = issuer.issue('reader', access);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, expires_in: 300, scope: form.get('scope') }));
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;

  const port = await freePort();
  registryHost = `127.0.0.1:${port}`;
  const config = [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'storage')} } }`,
    `http: { addr: "${registryHost}", secret: ${randomUUID()} }`,
    'auth:',
    '  token:',
    `    realm: ${realm}`,
    `    service: ${SERVICE}`,
    `    issuer: ${ISSUER}`,
    `    rootcertbundle: ${join(STATE, 'token/cert.pem')}`,
  ].join('\n');
  await writeFile(join(dir, 'registry.yml'), config);
  registry = spawn('docker-registry', ['serve', join(dir, 'registry.yml')], { stdio: 'ignore' });
  await waitForPort(port);
});

afterAll(async () => {
  if (registry && registry.exitCode === null) {
    const exited = new Promise((resolve) => registry.once('exit', resolve));
    registry.kill('SIGTERM');
    await exited;
  }
  await new Promise((resolve) => tokenServer?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('identity tokens', () => {
  const repo = `imagespec-e2e/identity-${randomUUID().slice(0, 8)}`;
  let digest: string;

  beforeAll(async () => {
    const pushed = await pushImage(
      { registry: registryHost, authorization: tokenAuth(realm, SERVICE, 'pusher', users.pusher!.password) },
      repo,
      'linux/amd64',
      'v1',
    );
    digest = pushed.digest;
  });

  async function configWith(name: string, json: unknown): Promise<string> {
    const configDir = join(dir, name);
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'config.json'), JSON.stringify(json));
    return configDir;
  }

  it('exchanges an identitytoken from config.json with the refresh_token grant', async () => {
    const configDir = await configWith('auths', {
      auths: { [registryHost]: { auth: b64('reader:'), identitytoken: REFRESH } },
    });
    grants.length = 0;
    const r = await checkExistence(new RegistryClient({ configDir }), `${registryHost}/${repo}:v1`);
    expect(r).toMatchObject({ state: 'exists', digest });
    expect(grants).toEqual([`refresh_token service=${SERVICE} scope=repository:${repo}:pull`]);
    const missing = await checkExistence(new RegistryClient({ configDir }), `${registryHost}/${repo}:v2`);
    expect(missing.state).toBe('missing');
  });

  it('takes an identity token from a credential helper (<token> user)', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    const helper = await writeCredHelper(bin, 'e2e-oauth', {
      [registryHost]: { Username: '<token>', Secret: REFRESH },
    });
    const configDir = await configWith('helper', { credHelpers: { [registryHost]: 'e2e-oauth' } });
    const r = await checkExistence(
      new RegistryClient({ configDir, env: helper.env }),
      `${registryHost}/${repo}:v1`,
    );
    expect(r).toMatchObject({ state: 'exists', digest });
  });

  it('is unknown when the identity token is refused', async () => {
    const configDir = await configWith('stale', {
      auths: { [registryHost]: { auth: b64('reader:'), identitytoken: 'stale-token' } },
    });
    const r = await checkExistence(new RegistryClient({ configDir }), `${registryHost}/${repo}:v1`);
    expect(r).toMatchObject({ state: 'unknown', cause: 'auth' });
    expect(r.reason).toContain('identity token');
    expect(r.reason).not.toContain('stale-token');
  });
});
