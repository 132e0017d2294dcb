/**
 * The registry client's HTTP exchange (src/registry/http.ts) against real HTTP servers on loopback: what it
 * kept from `fetch` (redirects, credentials never sent to another origin, the time limit, header lookup).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpExchange } from '../../src/registry/http.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{
  server: Server;
  origin: string;
  seen: Seen[];
}> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      handler(req, res, body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }),
    ),
  );
}

let a: Awaited<ReturnType<typeof serve>>;
let b: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  b = await serve((req, res) => {
    res.setHeader('www-authenticate', ['Bearer realm="x"', 'Basic realm="y"']);
    res.end(`b:${req.method}`);
  });
  a = await serve((req, res, body) => {
    const go = (status: number, to: string) => {
      res.statusCode = status;
      res.setHeader('location', to);
      res.end();
    };
    if (req.url === '/same') return go(307, '/final');
    if (req.url === '/other') return go(302, `${b.origin}/elsewhere`);
    if (req.url === '/see-other') return go(303, '/final');
    if (req.url === '/loop') return go(302, '/loop');
    if (req.url === '/stall') return; // never answers
    res.setHeader('docker-content-digest', 'sha256:abc');
    res.end(`a:${req.method}:${body}:é`);
  });
});
afterAll(() => {
  a.server.closeAllConnections();
  b.server.closeAllConnections();
  a.server.close();
  b.server.close();
});

const auth = { authorization: 'Basic c2VjcmV0' };

describe('httpExchange', () => {
  it('returns status, body as UTF-8 and headers looked up by any case', async () => {
    const r = await httpExchange(`${a.origin}/x`, { method: 'GET', headers: {}, timeoutMs: 5000 });
    expect(r.status).toBe(200);
    expect(r.body).toBe('a:GET::é');
    expect(r.headers.get('Docker-Content-Digest')).toBe('sha256:abc');
    expect(r.headers.get('missing')).toBeNull();
  });

  it('does not read a body for HEAD', async () => {
    const r = await httpExchange(`${a.origin}/x`, { method: 'HEAD', headers: {}, timeoutMs: 5000 });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
  });

  it('follows a redirect on the same origin with the credentials', async () => {
    a.seen.length = 0;
    const r = await httpExchange(`${a.origin}/same`, { method: 'HEAD', headers: auth, timeoutMs: 5000 });
    expect(r.status).toBe(200);
    expect(a.seen.map((s) => [s.method, s.url, s.authorization])).toEqual([
      ['HEAD', '/same', auth.authorization],
      ['HEAD', '/final', auth.authorization],
    ]);
  });

  it('never sends the credentials to another origin it is redirected to', async () => {
    b.seen.length = 0;
    const r = await httpExchange(`${a.origin}/other`, { method: 'GET', headers: auth, timeoutMs: 5000 });
    expect(r.body).toBe('b:GET');
    expect(b.seen).toEqual([{ method: 'GET', url: '/elsewhere', authorization: undefined, body: '' }]);
  });

  it('joins repeated headers as fetch does', async () => {
    const r = await httpExchange(`${b.origin}/`, { method: 'GET', headers: {}, timeoutMs: 5000 });
    expect(r.headers.get('WWW-Authenticate')).toBe('Bearer realm="x", Basic realm="y"');
  });

  it('turns a POST answered 303 into a GET without the body', async () => {
    a.seen.length = 0;
    const r = await httpExchange(`${a.origin}/see-other`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token',
      timeoutMs: 5000,
    });
    expect(r.body).toBe('a:GET::é');
    expect(a.seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/see-other', 'grant_type=refresh_token'],
      ['GET', '/final', ''],
    ]);
  });

  it('stops following after 20 redirects and returns the last answer', async () => {
    const r = await httpExchange(`${a.origin}/loop`, { method: 'GET', headers: {}, timeoutMs: 5000 });
    expect(r.status).toBe(302);
  });

  it('gives up with an AbortError when the time limit passes', async () => {
    const err = await httpExchange(`${a.origin}/stall`, { method: 'GET', headers: {}, timeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe('AbortError');
  });

  it('rejects with the system error code when nothing listens', async () => {
    const closed = await serve(() => {});
    const origin = closed.origin;
    await new Promise((r) => closed.server.close(r));
    const err = await httpExchange(`${origin}/`, { method: 'GET', headers: {}, timeoutMs: 5000 }).catch(
      (e: unknown) => e,
    );
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });
});
