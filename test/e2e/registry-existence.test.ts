/**
 * Existence checks against the testbed's real registries: `basic` (htpasswd) and `token` (token server,
 * `public/` repositories pullable anonymously). Images are pushed with plain HTTP uploads.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, checkExistence, type RegistryOptions } from '../../src/registry/index.js';
import { MEDIA_TYPES } from '../../src/registry/existence.js';
import { writeCredHelper } from '../support/cred-helper.js';
import { basicAuth, pushImage, pushIndex, tokenAuth, type PushTarget } from '../support/registry-upload.js';
import { testbed } from '../support/testbed.js';

const tb = testbed();
const { registry: BASIC, user: BASIC_USER, password: BASIC_PASSWORD } = tb.basic;
const {
  registry: TOKEN,
  user: TOKEN_USER,
  password: TOKEN_PASSWORD,
  readerUser: READER_USER,
  readerPassword: READER_PASSWORD,
  realm: REALM,
  service: SERVICE,
} = tb.token;

const run = randomUUID().slice(0, 8);
const basicTarget: PushTarget = { registry: BASIC, authorization: basicAuth(BASIC_USER, BASIC_PASSWORD) };
const tokenTarget: PushTarget = {
  registry: TOKEN,
  authorization: tokenAuth(REALM, SERVICE, TOKEN_USER, TOKEN_PASSWORD),
};
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let dir: string;
/** Options with an empty Docker config, so nothing from the machine's own login leaks in. */
let isolated: RegistryOptions;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-registry-e2e-'));
  isolated = { configDir: join(dir, 'empty') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('basic (htpasswd) registry', () => {
  const repo = `imagespec-e2e/exist-${run}`;
  let pushed: { digest: string };

  beforeAll(async () => {
    pushed = await pushImage(basicTarget, repo, 'linux/amd64', 'v1');
  });

  const withLogin = (): RegistryOptions => ({
    ...isolated,
    explicit: [{ registry: BASIC, username: BASIC_USER, password: BASIC_PASSWORD }],
  });

  it('exists, with digest and media type', async () => {
    const r = await checkExistence(new RegistryClient(withLogin()), `${BASIC}/${repo}:v1`, ['linux/amd64']);
    expect(r).toMatchObject({ state: 'exists', digest: pushed.digest, mediaType: MEDIA_TYPES.ociManifest });
  });

  it('is missing for an absent tag and an absent repository', async () => {
    const client = new RegistryClient(withLogin());
    expect(await checkExistence(client, `${BASIC}/${repo}:nope`)).toMatchObject({ state: 'missing' });
    const r = await checkExistence(client, `${BASIC}/imagespec-e2e/never-${run}:v1`);
    expect(r.state).toBe('missing');
    expect(r.reason).toContain('404');
  });

  it('is unknown without credentials, never missing', async () => {
    for (const ref of [`${BASIC}/${repo}:v1`, `${BASIC}/${repo}:nope`]) {
      const r = await checkExistence(new RegistryClient(isolated), ref);
      expect(r.state).toBe('unknown');
      expect(r.cause).toBe('auth');
      expect(r.reason).toContain('401 without credentials');
    }
  });

  it('is unknown with a wrong password, naming the account but not the password', async () => {
    const opts = {
      ...isolated,
      explicit: [{ registry: BASIC, username: BASIC_USER, password: 'wrong-pass' }],
    };
    const r = await checkExistence(new RegistryClient(opts), `${BASIC}/${repo}:nope`);
    expect(r.state).toBe('unknown');
    expect(r.reason).toContain(`401 after authenticating as '${BASIC_USER}'`);
    expect(r.reason).not.toContain('wrong-pass');
  });

  it('uses auths from a Docker config file', async () => {
    const configDir = join(dir, 'basic-config');
    await writeConfig(configDir, { auths: { [BASIC]: { auth: b64(`${BASIC_USER}:${BASIC_PASSWORD}`) } } });
    const r = await checkExistence(new RegistryClient({ configDir }), `${BASIC}/${repo}:v1`);
    expect(r).toMatchObject({ state: 'exists', digest: pushed.digest });
  });

  it('uses a credential helper named in credHelpers', async () => {
    const configDir = join(dir, 'basic-helper');
    const helper = await writeCredHelper(await mkBin('basic-helper'), 'e2e-basic', {
      [BASIC]: { Username: BASIC_USER, Secret: BASIC_PASSWORD },
    });
    await writeConfig(configDir, { credHelpers: { [BASIC]: 'e2e-basic' } });
    const r = await checkExistence(new RegistryClient({ configDir, env: helper.env }), `${BASIC}/${repo}:v1`);
    expect(r).toMatchObject({ state: 'exists', digest: pushed.digest });
  });
});

describe('token registry', () => {
  const privateRepo = `imagespec-e2e/private-${run}`;
  const publicRepo = `public/imagespec-e2e-${run}`;
  let privatePushed: { digest: string };
  let publicPushed: { digest: string };

  beforeAll(async () => {
    privatePushed = await pushImage(tokenTarget, privateRepo, 'linux/amd64', 'v1');
    publicPushed = await pushImage(tokenTarget, publicRepo, 'linux/amd64', 'v1', MEDIA_TYPES.dockerManifest);
  });

  const reader = (): RegistryOptions => ({
    ...isolated,
    explicit: [{ registry: TOKEN, username: READER_USER, password: READER_PASSWORD }],
  });

  it('exists for a private repository with credentials (token flow)', async () => {
    const r = await checkExistence(new RegistryClient(reader()), `${TOKEN}/${privateRepo}:v1`);
    expect(r).toMatchObject({ state: 'exists', digest: privatePushed.digest });
  });

  it('is missing for an absent tag and repository with credentials', async () => {
    const client = new RegistryClient(reader());
    expect((await checkExistence(client, `${TOKEN}/${privateRepo}:nope`)).state).toBe('missing');
    expect((await checkExistence(client, `${TOKEN}/imagespec-e2e/none-${run}:v1`)).state).toBe('missing');
  });

  it('is unknown, never missing, for a private repository without credentials', async () => {
    const client = new RegistryClient(isolated);
    for (const ref of [
      `${TOKEN}/${privateRepo}:v1`,
      `${TOKEN}/${privateRepo}:nope`,
      `${TOKEN}/imagespec-e2e/none-${run}:v1`,
    ]) {
      const r = await checkExistence(client, ref);
      expect(r.state, ref).toBe('unknown');
      expect(r.reason).toContain('without credentials');
    }
  });

  it('answers exists and missing anonymously for a public repository', async () => {
    const client = new RegistryClient(isolated);
    expect(await checkExistence(client, `${TOKEN}/${publicRepo}:v1`)).toMatchObject({
      state: 'exists',
      digest: publicPushed.digest,
      mediaType: MEDIA_TYPES.dockerManifest,
    });
    expect((await checkExistence(client, `${TOKEN}/${publicRepo}:nope`)).state).toBe('missing');
  });

  it('is unknown with a wrong password: the token service refuses', async () => {
    const opts = { ...isolated, explicit: [{ registry: TOKEN, username: READER_USER, password: 'not-it' }] };
    const r = await checkExistence(new RegistryClient(opts), `${TOKEN}/${privateRepo}:v1`);
    expect(r).toMatchObject({ state: 'unknown', cause: 'auth' });
    expect(r.reason).toContain('token service');
    expect(r.reason).toContain(`as '${READER_USER}'`);
    expect(r.reason).not.toContain('not-it');
  });

  it('uses the credsStore helper from a Docker config file', async () => {
    const configDir = join(dir, 'token-store');
    const helper = await writeCredHelper(await mkBin('token-store'), 'e2e-store', {
      [TOKEN]: { Username: READER_USER, Secret: READER_PASSWORD },
    });
    await writeConfig(configDir, { credsStore: 'e2e-store' });
    const r = await checkExistence(
      new RegistryClient({ configDir, env: helper.env }),
      `${TOKEN}/${privateRepo}:v1`,
    );
    expect(r).toMatchObject({ state: 'exists', digest: privatePushed.digest });
  });
});

describe('multi-platform', () => {
  const repo = `imagespec-e2e/multi-${run}`;
  const login = (): RegistryOptions => ({
    ...isolated,
    explicit: [{ registry: BASIC, username: BASIC_USER, password: BASIC_PASSWORD }],
  });
  let index: { digest: string };

  beforeAll(async () => {
    index = await pushIndex(basicTarget, repo, 'both', ['linux/amd64', 'linux/arm64/v8']);
    await pushIndex(basicTarget, repo, 'list', ['linux/amd64', 'linux/arm/v7'], MEDIA_TYPES.dockerList);
    await pushImage(basicTarget, repo, 'linux/amd64', 'single');
  });

  it('exists when the index has every requested platform', async () => {
    const r = await checkExistence(new RegistryClient(login()), `${BASIC}/${repo}:both`, [
      'linux/amd64',
      'linux/arm64',
    ]);
    expect(r).toMatchObject({ state: 'exists', digest: index.digest, mediaType: MEDIA_TYPES.ociIndex });
  });

  it('is missing, naming the platforms, when the index lacks one', async () => {
    const r = await checkExistence(new RegistryClient(login()), `${BASIC}/${repo}:both`, [
      'linux/amd64',
      'linux/arm64',
      'linux/s390x',
    ]);
    expect(r).toMatchObject({ state: 'missing', missingPlatforms: ['linux/s390x'] });
    expect(r.reason).toContain('lacks linux/s390x');
  });

  it('reads Docker manifest lists too', async () => {
    const client = new RegistryClient(login());
    expect((await checkExistence(client, `${BASIC}/${repo}:list`, ['linux/arm/v7'])).state).toBe('exists');
    const r = await checkExistence(client, `${BASIC}/${repo}:list`, ['linux/arm64']);
    expect(r).toMatchObject({
      state: 'missing',
      missingPlatforms: ['linux/arm64'],
      mediaType: MEDIA_TYPES.dockerList,
    });
  });

  it('reads the platform of a single-platform image when several are requested', async () => {
    const client = new RegistryClient(login());
    const r = await checkExistence(client, `${BASIC}/${repo}:single`, ['linux/amd64', 'linux/arm64']);
    expect(r).toMatchObject({ state: 'missing', missingPlatforms: ['linux/arm64'] });
    expect(r.reason).toContain('it has linux/amd64');
  });
});

async function writeConfig(configDir: string, json: unknown): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, 'config.json'), JSON.stringify(json));
}

async function mkBin(name: string): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  const bin = join(dir, name);
  await mkdir(bin, { recursive: true });
  return bin;
}
