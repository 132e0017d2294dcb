import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSecrets, secretFileValues } from '../../src/build/secrets.js';
import type { BuildLog } from '../../src/build/types.js';
import { UserError } from '../../src/errors.js';
import type { BuildContext } from '../../src/render/types.js';
import type { BuildSecret } from '../../src/spec/types.js';
import { image, planned } from './render-support.js';

function recordingLog(): BuildLog & { secrets: string[] } {
  const secrets: string[] = [];
  return {
    secrets,
    info: () => {},
    warning: () => {},
    group: (_name, fn) => fn(),
    setSecret: (s) => secrets.push(s),
  };
}

function context(specSecrets: BuildSecret[], secrets: BuildSecret[]): BuildContext {
  const p = planned(image({ secrets: specSecrets }));
  return {
    planned: p,
    kind: 'rendered',
    dockerfile: 'FROM debian\n',
    files: [],
    secrets,
    buildArgs: {},
    labels: {},
    platforms: p.platforms,
    cacheMounts: [],
    warnings: [],
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-secrets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('secretFileValues', () => {
  it('gives the whole content and each non-empty trimmed line', () => {
    expect(secretFileValues('[global]\n  index-url = https://u:p@x/simple  \n\n')).toEqual([
      '[global]\n  index-url = https://u:p@x/simple  \n\n',
      '[global]',
      'index-url = https://u:p@x/simple',
    ]);
    expect(secretFileValues('token\n')).toEqual(['token\n', 'token']);
    expect(secretFileValues(' \n')).toEqual([]);
  });
});

describe('checkSecrets', () => {
  it('masks the content of file secrets (pip_secret_mounts and secrets[].src) and env secrets', async () => {
    const pipConf = path.join(dir, 'pip.conf');
    const netrc = path.join(dir, 'netrc');
    await writeFile(pipConf, '[global]\nindex-url = https://user:s3cret@pypi.example/simple\n');
    await writeFile(netrc, 'machine x login me password hunter2');
    const fromSpec: BuildSecret = { id: 'netrc', src: netrc };
    const ctx = context(
      [fromSpec, { id: 'tok', env: 'MY_TOKEN' }],
      [
        { id: 'imagespec-pip-secret-0', src: pipConf, target: '/etc/pip.conf' },
        fromSpec,
        { id: 'tok', env: 'MY_TOKEN' },
      ],
    );
    const log = recordingLog();
    await checkSecrets(ctx, { MY_TOKEN: 'abc' }, log);
    expect(log.secrets).toEqual([
      '[global]\nindex-url = https://user:s3cret@pypi.example/simple\n',
      '[global]',
      'index-url = https://user:s3cret@pypi.example/simple',
      'machine x login me password hunter2',
      'abc',
    ]);
  });

  it('names the pip_secret_mounts field of a missing file and says how to fix it', async () => {
    const missing = path.join(dir, 'nope.conf');
    const ctx = context([], [{ id: 'imagespec-pip-secret-1', src: missing, target: '/etc/pip.conf' }]);
    const err = await checkSecrets(ctx, {}, recordingLog()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message).toContain(
      `${ctx.planned.spec.file}: images.${ctx.planned.spec.id}.pip_secret_mounts[1][0]`,
    );
    expect(message).toContain(missing);
    expect(message).toContain('ENOENT');
    expect(message).toMatch(/create the file in an earlier step or fix the path/);
  });

  it('names the secrets[].src field of an unreadable file (a directory)', async () => {
    const s: BuildSecret = { id: 'creds', src: dir };
    const ctx = context([{ id: 'other', env: 'X' }, s], [s]);
    await expect(checkSecrets(ctx, {}, recordingLog())).rejects.toThrow(
      new RegExp(
        `images\\.${ctx.planned.spec.id}\\.secrets\\[1\\]\\.src: secret 'creds' reads file .*EISDIR`,
      ),
    );
  });

  it('names the secrets[].env field of an unset variable', async () => {
    const s: BuildSecret = { id: 'tok', env: 'UNSET_VAR' };
    const ctx = context([s], [s]);
    await expect(checkSecrets(ctx, {}, recordingLog())).rejects.toThrow(
      /secrets\[0\]\.env: secret 'tok' reads environment variable UNSET_VAR, which is not set/,
    );
  });
});
