/**
 * Visibility after push: the anonymous probe against the testbed's token registry (`public/` repositories
 * are pullable anonymously, others private), and the GitHub Packages API through its test double.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, checkRequirePublic, checkVisibility } from '../../src/registry/index.js';
import { ghcrPackage, packagesApiVisibility } from '../../src/registry/visibility.js';
import { parseReference } from '../../src/registry/reference.js';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { basicAuth, pushImage, tokenAuth } from '../support/registry-upload.js';
import { testbed } from '../support/testbed.js';

const tb = testbed();
const TOKEN = tb.token.registry;
const BASIC = tb.basic.registry;
const run = randomUUID().slice(0, 8);

describe('anonymous probe', () => {
  const publicRef = `${TOKEN}/public/imagespec-vis-${run}:v1`;
  const privateRef = `${TOKEN}/imagespec-e2e/vis-${run}:v1`;
  let dir: string;

  beforeAll(async () => {
    const target = {
      registry: TOKEN,
      authorization: tokenAuth(tb.token.realm, tb.token.service, tb.token.user, tb.token.password),
    };
    await pushImage(target, `public/imagespec-vis-${run}`, 'linux/amd64', 'v1');
    await pushImage(target, `imagespec-e2e/vis-${run}`, 'linux/amd64', 'v1');
    await pushImage(
      {
        registry: BASIC,
        authorization: basicAuth(tb.basic.user, tb.basic.password),
      },
      `imagespec-e2e/vis-${run}`,
      'linux/amd64',
      'v1',
    );
    // A login for the token registry: the probe must ignore it.
    dir = await mkdtemp(join(tmpdir(), 'imagespec-vis-'));
    const auth = Buffer.from(`${tb.token.user}:${tb.token.password}`).toString('base64');
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [TOKEN]: { auth } } }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('calls a repository anyone can pull public', async () => {
    const r = await checkVisibility(new RegistryClient({ configDir: dir }), publicRef);
    expect(r.visibility).toBe('public');
    expect(checkRequirePublic(publicRef, r, true).ok).toBe(true);
  });

  it('calls a repository that refuses anonymous pulls private, even when logged in', async () => {
    const r = await checkVisibility(new RegistryClient({ configDir: dir }), privateRef);
    expect(r).toMatchObject({ visibility: 'private' });
    expect(r.reason).toContain('401');
    const verdict = checkRequirePublic(privateRef, r, true);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toContain('is private');
  });

  it('calls an htpasswd registry private', async () => {
    const r = await checkVisibility(
      new RegistryClient({ configDir: dir }),
      `${BASIC}/imagespec-e2e/vis-${run}:v1`,
    );
    expect(r.visibility).toBe('private');
  });

  it('is unknown when the probe gets no answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10, totalMs: 2_000 } });
    const r = await checkVisibility(client, `127.0.0.1:${port}/imagespec-e2e/none:v1`);
    expect(r.visibility).toBe('unknown');
    expect(r.reason).toContain('refused');
  });
});

describe('GitHub Packages API (test double)', () => {
  let api: GitHubApiDouble;
  const TOKEN_VALUE = 'ghs_workflowtoken';

  beforeAll(async () => {
    api = await startGitHubApi(
      [
        { owner: 'acme', ownerType: 'Organization', name: 'team/app', visibility: 'private' },
        { owner: 'acme', ownerType: 'Organization', name: 'inner', visibility: 'internal' },
        { owner: 'octocat', ownerType: 'User', name: 'tool', visibility: 'public' },
        { owner: 'acme', ownerType: 'Organization', name: 'hidden', visibility: 'public', tokens: ['other'] },
      ],
      ['ghs_revoked'],
    );
  });
  afterAll(async () => {
    await api.close();
  });

  const opts = () => ({ githubToken: TOKEN_VALUE, apiUrl: api.url, serverUrl: 'https://github.com' });

  it('reads an organization package, URL-encoding a name with a slash', async () => {
    const pkg = ghcrPackage(parseReference('ghcr.io/acme/team/app:abc'));
    expect(pkg).toEqual({ owner: 'acme', name: 'team/app' });
    api.requests.length = 0;
    const r = await packagesApiVisibility(pkg!, opts());
    expect(r).toEqual({
      visibility: 'private',
      reason: 'GitHub Packages API: private',
      settingsUrl: 'https://github.com/orgs/acme/packages/container/team%2Fapp/settings',
    });
    expect(api.requests).toEqual(['GET /orgs/acme/packages/container/team%2Fapp']);
    expect(checkRequirePublic('ghcr.io/acme/team/app:abc', r, true).message).toContain(r.settingsUrl);
  });

  it('reads internal visibility', async () => {
    const r = await packagesApiVisibility({ owner: 'acme', name: 'inner' }, opts());
    expect(r.visibility).toBe('internal');
  });

  it('falls back to the user variant', async () => {
    api.requests.length = 0;
    const r = await packagesApiVisibility({ owner: 'octocat', name: 'tool' }, opts());
    expect(r).toMatchObject({
      visibility: 'public',
      settingsUrl: 'https://github.com/users/octocat/packages/container/tool/settings',
    });
    expect(api.requests).toEqual([
      'GET /orgs/octocat/packages/container/tool',
      'GET /users/octocat/packages/container/tool',
    ]);
  });

  it('says when the token cannot see the package', async () => {
    const r = await packagesApiVisibility({ owner: 'acme', name: 'hidden' }, opts());
    expect(r.visibility).toBe('unknown');
    expect(r.reason).toContain("the workflow's token cannot see the package");
    expect(r.reason).toContain('packages: read');
  });

  it('takes the API base from GITHUB_API_URL', async () => {
    api.requests.length = 0;
    const r = await packagesApiVisibility(
      { owner: 'acme', name: 'inner' },
      {
        githubToken: TOKEN_VALUE,
        env: { GITHUB_API_URL: api.url, GITHUB_SERVER_URL: 'https://ghe.example.com' },
      },
    );
    expect(r).toMatchObject({
      visibility: 'internal',
      settingsUrl: 'https://ghe.example.com/orgs/acme/packages/container/inner/settings',
    });
    expect(api.requests).toHaveLength(1);
  });

  it('is unknown when the API refuses the token', async () => {
    const r = await packagesApiVisibility(
      { owner: 'acme', name: 'inner' },
      { ...opts(), githubToken: 'ghs_revoked' },
    );
    expect(r.visibility).toBe('unknown');
    expect(r.reason).toContain('401');
    expect(r.reason).toContain('Bad credentials');
  });
});
