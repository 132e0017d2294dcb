/**
 * Inputs that decide what is built are checked before anything runs, with the rules the spec's own fields
 * follow: platforms as the spec's `platform`, extra tags as tags or references, registries as host[:port],
 * labels as single-line key=value, and the spec path inside the workspace (symbolic links resolved).
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../src/action/inputs.js';
import { platformsOption } from '../../src/commands/args.js';
import { UserError } from '../../src/errors.js';
import { specInWorkspace } from '../../src/spec/inputs.js';

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const problem = (values: Record<string, string>): string => {
  try {
    readInputs(reader(values));
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error(`no problem with ${JSON.stringify(values)}`);
};

describe('list inputs', () => {
  it('platforms follow the spec platform rules, before anything runs', () => {
    expect(readInputs(reader({ platforms: 'linux/amd64,\nlinux/arm64/v8' })).platforms).toEqual([
      'linux/amd64',
      'linux/arm64/v8',
    ]);
    expect(problem({ platforms: 'linux/amd64,linux/armd64' })).toBe(
      `input 'platforms' "linux/armd64" has an unknown architecture "armd64"; did you mean "linux/amd64"?`,
    );
    expect(problem({ platforms: 'linux/amd64,linux/amd64' })).toBe(
      `input 'platforms' lists "linux/amd64" twice; remove one`,
    );
    expect(problem({ platforms: 'amd64' })).toMatch(
      /^input 'platforms' "amd64" is not OS\/ARCH\[\/VARIANT\]/,
    );
    expect(problem({ platforms: ',\n#only a comment' })).toMatch(/^input 'platforms' is empty/);
    expect(problem({ mode: 'build', image: 'app', platform: 'linux/x' })).toMatch(
      /^input 'platform' "linux\/x" has an unknown architecture/,
    );
  });

  it('the CLI --platforms option follows the same rules', () => {
    expect(platformsOption('build', 'linux/amd64, linux/arm64')).toEqual(['linux/amd64', 'linux/arm64']);
    expect(() => platformsOption('plan', 'linux/amd64,linux/amd64')).toThrow(
      'plan: --platforms lists "linux/amd64" twice; remove one',
    );
    expect(() => platformsOption('build', 'linux/x')).toThrow(
      /^build: --platforms "linux\/x" has an unknown architecture/,
    );
  });

  it('extra tags are tags or tagged references', () => {
    expect(readInputs(reader({ 'extra-tags': 'latest, ghcr.io/o/app:v1' })).extraTags).toEqual([
      'latest',
      'ghcr.io/o/app:v1',
    ]);
    expect(problem({ 'extra-tags': 'latest,-bad' })).toMatch(
      /^input 'extra-tags': "-bad" is not a valid tag/,
    );
    expect(problem({ 'extra-tags': 'ghcr.io/o/app@sha256:' + 'a'.repeat(64) })).toMatch(
      /is a digest reference/,
    );
    expect(problem({ 'extra-tags': 'ghcr.io/o/App:v1' })).toMatch(/is not a valid image reference/);
    expect(problem({ 'extra-tags': 'ghcr.io/o/app' })).toMatch(/names no tag/);
  });

  it('insecure registries are host[:port]', () => {
    expect(
      readInputs(reader({ 'insecure-registries': 'registry.local:5000\n10.0.0.1' })).insecureRegistries,
    ).toEqual(['registry.local:5000', '10.0.0.1']);
    expect(problem({ 'insecure-registries': 'http://registry.local' })).toMatch(
      /^input 'insecure-registries': "http:\/\/registry.local" is not a registry host/,
    );
  });

  it('labels are single-line key=value with a plain key', () => {
    expect(problem({ labels: 'a b=1' })).toMatch(/^input 'labels': key "a b" is not a label key/);
    expect(problem({ labels: 'a=x\ry' })).toMatch(
      /^input 'labels': value of "a" contains a control character/,
    );
    expect(problem({ labels: `a=x${'\u2028'}y` })).toMatch(/control character/);
  });
});

describe('the spec input', () => {
  const tmp = mkdtemp(path.join(tmpdir(), 'imagespec-ws-'));
  afterAll(async () => rm(await tmp, { recursive: true, force: true }));

  it('stays inside the workspace, as written and after resolving links', async () => {
    const root = await tmp;
    const ws = path.join(root, 'ws');
    await mkdir(path.join(ws, 'sub'), { recursive: true });
    await mkdir(path.join(root, 'outside'));
    await writeFile(path.join(root, 'outside', 'imagespec.yaml'), 'name: x\n');
    await writeFile(path.join(ws, 'sub', 'imagespec.yaml'), 'name: x\n');
    await symlink(path.join(root, 'outside', 'imagespec.yaml'), path.join(ws, 'link.yaml'));
    await symlink(path.join(root, 'outside'), path.join(ws, 'linkdir'));

    expect(await specInWorkspace(ws, 'sub/imagespec.yaml')).toBe(path.join(ws, 'sub', 'imagespec.yaml'));
    expect(await specInWorkspace(ws, 'missing.yaml')).toBe(path.join(ws, 'missing.yaml'));
    for (const input of [
      '../outside/imagespec.yaml',
      '/etc/passwd',
      'link.yaml',
      'linkdir/imagespec.yaml',
      '..',
    ]) {
      const err = await specInWorkspace(ws, input).catch((e: unknown) => e);
      expect(err, input).toBeInstanceOf(UserError);
      expect((err as Error).message, input).toMatch(/^input 'spec' is ".*", which .*outside the workspace/);
      expect((err as Error).message).not.toContain('root:x:0:0');
    }
    const err = (await specInWorkspace(ws, 'link.yaml').catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`resolves to "${path.join(root, 'outside', 'imagespec.yaml')}"`);
  });
});
