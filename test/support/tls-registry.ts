/**
 * A distribution registry serving HTTPS on loopback with a certificate from a private CA made by openssl, for
 * tests of registries whose CA the runner does not trust. A second registry process serves the same storage
 * over plain HTTP on another loopback port, so a test can put images in without trusting the CA.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { runOk } from './testbed.js';

export interface TlsRegistry {
  /** `localhost:PORT`: the HTTPS registry (certificate for localhost and 127.0.0.1). */
  host: string;
  /** `127.0.0.1:PORT`: the same storage over plain HTTP. */
  plain: string;
  /** The private CA certificate (PEM). */
  caFile: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, ok: (status: number) => boolean, init?: RequestInit): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      if (ok((await fetch(url, init)).status)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function serve(config: string, log: string): ChildProcess {
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore', detached: false });
  child.on('error', (err) => void writeFile(log, String(err)));
  return child;
}

/** Starts both registry processes in `dir` (CA, certificate, configs, storage); `stop` ends exactly them. */
export async function startTlsRegistry(dir: string): Promise<TlsRegistry> {
  await mkdir(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  await runOk('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=imagespec test CA',
  ]);
  await runOk('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  await writeFile(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await runOk('openssl', [
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  ]);
  const [tlsPort, plainPort] = [await freePort(), await freePort()];
  const storage = `storage:\n  filesystem:\n    rootdirectory: ${f('data')}\n`;
  await writeFile(
    f('tls.yml'),
    `version: 0.1\nlog:\n  level: warn\n${storage}http:\n  addr: 127.0.0.1:${tlsPort}\n  tls:\n    certificate: ${f('server.crt')}\n    key: ${f('server.key')}\n`,
  );
  await writeFile(
    f('plain.yml'),
    `version: 0.1\nlog:\n  level: warn\n${storage}http:\n  addr: 127.0.0.1:${plainPort}\n`,
  );
  const children = [serve(f('tls.yml'), f('tls.log')), serve(f('plain.yml'), f('plain.log'))];
  const stop = async (): Promise<void> => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  try {
    await waitFor(`http://127.0.0.1:${plainPort}/v2/`, (s) => s === 200);
    // The TLS port answers plain HTTP with a bare 400: it is listening.
    await waitFor(`http://127.0.0.1:${tlsPort}/v2/`, (s) => s === 400);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: `localhost:${tlsPort}`, plain: `127.0.0.1:${plainPort}`, caFile: f('ca.crt'), stop };
}
