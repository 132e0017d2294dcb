/**
 * One HTTP exchange for the registry client, with Node.js's own `http` and `https` modules.
 *
 * Written by hand instead of using `fetch`: Node.js's `fetch` is undici, which the process loads on its first
 * request and whose HTTP parser is WebAssembly compiled on its first connection; on a run whose images all
 * exist that is about 30 ms of CPU, a fifth of the whole run. The `http` module is part of Node.js's start-up
 * snapshot and parses with the built-in llhttp. This keeps what the client relied on from `fetch`: redirects
 * followed (up to 20, as `fetch` does; credentials are not sent to another origin, a 303 becomes a GET), a
 * time limit on the whole exchange, the body as UTF-8 text, and header lookup by case-insensitive name.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** Header lookup as `Headers.get` does it: case-insensitive, repeated headers joined with `, `. */
export interface ReplyHeaders {
  get(name: string): string | null;
}

export interface HttpReply {
  status: number;
  statusText: string;
  headers: ReplyHeaders;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** The whole exchange, redirects and body included, is aborted after this long (an `AbortError`). */
  timeoutMs: number;
  /** Private certificate authorities (PEM) trusted for HTTPS besides the system's. */
  ca?: readonly string[];
}

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

class HeaderMap implements ReplyHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

async function once(url: URL, req: HttpRequest, signal: AbortSignal): Promise<IncomingMessage> {
  // Loaded on the first request: commands that never ask a registry (validate, tag) do not load them.
  // The module object (`default`): named exports of a dynamic import would again read every export.
  const { request: send } = (
    url.protocol === 'https:' ? await import('node:https') : await import('node:http')
  ).default;
  // Only for a registry with a private CA: the system's CAs and those (node:tls loaded then).
  const ca =
    req.ca && url.protocol === 'https:'
      ? { ca: [...(await import('node:tls')).default.rootCertificates, ...req.ca] }
      : {};
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const r = send(url, { method: req.method, headers, signal, ...ca }, resolve);
    r.on('error', reject);
    r.end(req.body);
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () =>
      reject(Object.assign(new Error('the response was cut off'), { code: 'ECONNRESET' })),
    );
  });
}

/**
 * Sends `req` to `url`, following redirects. Network failures reject with Node.js's error (its `code` says
 * what happened: ECONNREFUSED, ENOTFOUND, certificate errors); the time limit rejects with an `AbortError`.
 */
export async function httpExchange(url: string, req: HttpRequest): Promise<HttpReply> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  let target = new URL(url);
  let current = req;
  for (let hop = 0; ; hop++) {
    const res = await once(target, current, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECTS.has(status) && location && hop < MAX_REDIRECTS) {
      res.resume();
      const next = new URL(location, target);
      const headers = { ...current.headers };
      const toGet =
        (status === 303 && current.method !== 'HEAD') ||
        ((status === 301 || status === 302) && current.method === 'POST');
      if (next.origin !== target.origin) delete headers.authorization;
      if (toGet) delete headers['content-type'];
      current = {
        ...current,
        headers,
        ...(toGet ? { method: 'GET' as const, body: undefined } : {}),
      };
      target = next;
      continue;
    }
    const body = current.method === 'HEAD' ? (res.resume(), '') : await readBody(res);
    return { status, statusText: res.statusMessage ?? '', headers: new HeaderMap(res.headers), body };
  }
}
