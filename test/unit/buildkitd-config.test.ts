import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuildkitdConfig } from '../../src/buildkitd/config.js';
import { UserError } from '../../src/errors.js';

let ws: string;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

beforeAll(async () => {
  ws = await mkdtemp(path.join(tmpdir(), 'imagespec-buildkitd-'));
  await mkdir(path.join(ws, 'certs'));
  await writeFile(path.join(ws, 'certs/ca.pem'), PEM);
  await writeFile(path.join(ws, 'certs/client.key'), 'key');
  await writeFile(path.join(ws, 'certs/client.crt'), 'cert');
  await writeFile(path.join(ws, 'not-a-cert.txt'), 'hello');
});
afterAll(async () => {
  await rm(ws, { recursive: true, force: true });
});

const message = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
};

describe('the buildkitd configuration of the created builder', () => {
  it('insecure registries alone: plain HTTP without TLS verification, as before', async () => {
    const { toml, ca } = await loadBuildkitdConfig({
      insecure: ['localhost:5000', 'http://registry.internal:8080/', 'registry.internal:8080'],
      baseDir: ws,
    });
    expect(parse(toml)).toEqual({
      registry: {
        'localhost:5000': { http: true, insecure: true },
        'registry.internal:8080': { http: true, insecure: true },
      },
    });
    expect(ca).toEqual({});
    expect((await loadBuildkitdConfig({ insecure: [' '], baseDir: ws })).toml).toBe('');
  });

  it('merges the user config: CA and key pair paths become absolute (buildx copies them in), other settings stay', async () => {
    const { toml, ca } = await loadBuildkitdConfig({
      inline: [
        'debug = true',
        '[registry."registry.corp:5000"]',
        '  ca = ["certs/ca.pem"]',
        '  [[registry."registry.corp:5000".keypair]]',
        '    key = "certs/client.key"',
        '    cert = "certs/client.crt"',
        '[registry."docker.io"]',
        '  mirrors = ["mirror.corp"]',
        '[registry."mirror.corp"]',
        '  http = false',
        '[worker.oci]',
        '  max-parallelism = 4',
      ].join('\n'),
      insecure: ['registry.plain:80', 'mirror.corp'],
      baseDir: ws,
    });
    expect(parse(toml)).toEqual({
      debug: true,
      registry: {
        'registry.corp:5000': {
          ca: [path.join(ws, 'certs/ca.pem')],
          keypair: [{ key: path.join(ws, 'certs/client.key'), cert: path.join(ws, 'certs/client.crt') }],
        },
        'docker.io': { mirrors: ['mirror.corp'] },
        // The config's own http = false wins over the insecure list.
        'mirror.corp': { http: false, insecure: true },
        'registry.plain:80': { http: true, insecure: true },
      },
      worker: { oci: { 'max-parallelism': 4 } },
    });
    expect(ca).toEqual({ 'registry.corp:5000': [PEM] });
  });

  it('reads a file relative to the workspace, its paths too', async () => {
    await writeFile(path.join(ws, 'buildkitd.toml'), '[registry."r:1"]\nca = ["certs/ca.pem"]\n');
    const { toml } = await loadBuildkitdConfig({ file: 'buildkitd.toml', baseDir: ws });
    expect(parse(toml)).toEqual({ registry: { 'r:1': { ca: [path.join(ws, 'certs/ca.pem')] } } });
  });

  it('an insecure entry stays inside its quoted key', async () => {
    const { toml } = await loadBuildkitdConfig({
      insecure: ['evil"]\n[worker.oci]\n  enabled = false'],
      baseDir: ws,
    });
    expect(parse(toml)).toEqual({
      registry: { 'evil"]\n[worker.oci]\n  enabled = false': { http: true, insecure: true } },
    });
  });

  it('mistakes name the input, the place and the fix', async () => {
    expect(await message(loadBuildkitdConfig({ inline: '[registry."r"\nca = 1', baseDir: ws }))).toMatch(
      /^input 'buildkitd-config-inline':1:\d+: not valid TOML/,
    );
    expect(
      await message(loadBuildkitdConfig({ inline: '[registry."r"]\nca = ["nope.pem"]', baseDir: ws })),
    ).toContain(`registry."r".ca: cannot read ${path.join(ws, 'nope.pem')}`);
    expect(
      await message(loadBuildkitdConfig({ inline: '[registry."r"]\nca = ["not-a-cert.txt"]', baseDir: ws })),
    ).toContain('holds no PEM certificate');
    expect(
      await message(loadBuildkitdConfig({ inline: '[registry."r"]\nca = "certs/ca.pem"', baseDir: ws })),
    ).toContain('registry."r".ca must be a list of file paths');
    expect(await message(loadBuildkitdConfig({ file: 'missing.toml', baseDir: ws }))).toMatch(
      /^input 'buildkitd-config' \(.*missing\.toml\): cannot read the file/,
    );
    expect(await message(loadBuildkitdConfig({ file: 'a', inline: 'b = 1', baseDir: ws }))).toContain(
      'both set',
    );
  });
});
