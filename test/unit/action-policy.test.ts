import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvent, type EventContext } from '../../src/action/event.js';
import { labelsInput, listInput, readInputs } from '../../src/action/inputs.js';
import { decidePush } from '../../src/action/push-policy.js';
import { UserError } from '../../src/errors.js';

const push: EventContext = { eventName: 'push', fromFork: false };

async function configDir(auths: Record<string, { auth: string }> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'imagespec-policy-'));
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

async function eventFile(payload: unknown): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'imagespec-event-')), 'event.json');
  await writeFile(file, JSON.stringify(payload));
  return file;
}

describe('fork detection', () => {
  it('marks pull requests whose head repository differs from the base', async () => {
    const fork = await eventFile({
      pull_request: {
        head: { repo: { full_name: 'someone/app', fork: true } },
        base: { repo: { full_name: 'acme/app' } },
      },
    });
    const same = await eventFile({
      pull_request: {
        head: { repo: { full_name: 'acme/app', fork: false } },
        base: { repo: { full_name: 'acme/app' } },
      },
    });
    expect(readEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: fork }).fromFork).toBe(true);
    expect(readEvent({ GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: fork }).fromFork).toBe(
      true,
    );
    expect(readEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: same }).fromFork).toBe(false);
    expect(readEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: fork }).fromFork).toBe(false);
  });

  it('treats an unreadable pull request payload as a fork', () => {
    expect(
      readEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: '/nonexistent/event.json' }).fromFork,
    ).toBe(true);
  });
});

describe('push policy', () => {
  const inputs = { push: 'auto' as const, githubToken: 'ghs_token' };

  it('never pushes from a fork under auto', async () => {
    const d = await decidePush(
      inputs,
      { ...push, fromFork: true },
      ['ghcr.io'],
      { configDir: await configDir() },
      'me',
    );
    expect(d.push).toBe(false);
    expect(d.reason).toContain('fork');
  });

  it("uses the workflow's token for ghcr.io when nothing else logs in", async () => {
    const d = await decidePush(inputs, push, ['ghcr.io'], { configDir: await configDir() }, 'octocat');
    expect(d.push).toBe(true);
    expect(d.logins).toEqual([{ registry: 'ghcr.io', username: 'octocat', password: 'ghs_token' }]);
  });

  it('does not push to a registry without credentials, and says how to fix it', async () => {
    const d = await decidePush(
      inputs,
      push,
      ['registry.example.com'],
      { configDir: await configDir() },
      'me',
    );
    expect(d.push).toBe(false);
    expect(d.reason).toContain('no credentials for registry.example.com');
    expect(d.reason).toContain('docker/login-action');
  });

  it('pushes with credentials from docker login or from the inputs', async () => {
    const auth = Buffer.from('u:p').toString('base64');
    const fromConfig = await decidePush(
      inputs,
      push,
      ['registry.example.com'],
      { configDir: await configDir({ 'registry.example.com': { auth } }) },
      'me',
    );
    expect(fromConfig.push).toBe(true);
    const fromInputs = await decidePush(
      { ...inputs, username: 'u', password: 'p' },
      push,
      ['registry.example.com'],
      { configDir: await configDir() },
      'me',
    );
    expect(fromInputs).toEqual({
      push: true,
      logins: [{ registry: 'registry.example.com', username: 'u', password: 'p' }],
    });
  });

  it("follows push: 'false' and push: 'true'", async () => {
    expect((await decidePush({ ...inputs, push: 'false' }, push, [], {}, 'me')).push).toBe(false);
    const forced = await decidePush(
      { ...inputs, push: 'true' },
      push,
      ['registry.example.com'],
      {
        configDir: await configDir(),
      },
      'me',
    );
    expect(forced.push).toBe(true);
  });
});

describe('inputs', () => {
  const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  it('reads defaults and lists', () => {
    const i = readInputs(reader({ 'extra-tags': 'latest\nv1, v1.2\n# comment', labels: 'a=1\nb=x=y' }));
    expect(i.spec).toBe('imagespec.yaml');
    expect(i.flavor).toBe('generic');
    expect(i.onUnknown).toBe('fail');
    expect(i.extraTags).toEqual(['latest', 'v1', 'v1.2']);
    expect(i.labels).toEqual({ a: '1', b: 'x=y' });
    expect(i.mountCacheBudget).toBe(2 * 1024 ** 3);
  });

  it('rejects values outside the allowed ones, naming the input and the choices', () => {
    expect(() => readInputs(reader({ flavor: 'docker' }))).toThrow(UserError);
    expect(() => readInputs(reader({ flavor: 'docker' }))).toThrow(
      "input 'flavor' is 'docker'; use one of: generic, flyte",
    );
    expect(() => readInputs(reader({ force: 'maybe' }))).toThrow(
      "input 'force' is 'maybe'; use true or false",
    );
    expect(() => readInputs(reader({ password: 'x' }))).toThrow("'password' is set without 'username'");
  });

  it('parses list and label inputs', () => {
    expect(listInput(' a ,b\n\nc ')).toEqual(['a', 'b', 'c']);
    expect(() => labelsInput('novalue')).toThrow('key=value');
    expect(Object.keys(labelsInput('__proto__=x'))).toEqual(['__proto__']);
  });
});
