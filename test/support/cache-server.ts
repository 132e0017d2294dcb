/**
 * Test double of the GitHub Actions cache service, file-backed, on loopback. Written by hand with node:http
 * because GitHub publishes no server for it; it speaks both protocols the real clients use:
 *
 * - v1 (`{ACTIONS_CACHE_URL}_apis/artifactcache/...`), spoken by BuildKit 0.13 and by `@actions/cache` without
 *   `ACTIONS_CACHE_SERVICE_V2`: lookup, reserve, chunked PATCH upload (out of order), commit, ranged download.
 *   Any path prefix before `_apis/` is a separate namespace, so a test can isolate its entries by using
 *   `http://127.0.0.1:PORT/<unique>/` as the cache URL.
 * - v2 (twirp `github.actions.results.api.v1.CacheService` at `{ACTIONS_RESULTS_URL}twirp/...`), spoken by
 *   `@actions/cache` with `ACTIONS_CACHE_SERVICE_V2` and by BuildKit >= 0.20. Uploads go to a signed URL that
 *   answers like Azure Blob Storage (Put Blob, Put Block, Put Block List); downloads are plain GETs.
 *
 * Every request is appended to a JSON-lines log; `GET /_testbed/entries` lists committed entries.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  createReadStream,
} from 'node:fs';
import { join } from 'node:path';

export interface CacheEntry {
  id: number;
  /** v1: the URL path prefix before `_apis/`; v2: `v2`. */
  namespace: string;
  key: string;
  version: string;
  committed: boolean;
  size: number;
  createdAt: string;
  /** Secret part of the signed blob URLs (v2) and of the archive location (v1). */
  sig: string;
}

interface State {
  nextId: number;
  entries: CacheEntry[];
}

export interface CacheServerOptions {
  dir: string;
  /** Base URL clients reach this server at, e.g. `http://127.0.0.1:47504`. */
  publicUrl: string;
  logFile?: string;
}

const V1 = '_apis/artifactcache/';
const TWIRP = '/twirp/github.actions.results.api.v1.CacheService/';

/** Finds the entry for ordered keys: per key an exact match, then the newest prefix match. */
export function matchEntry(entries: CacheEntry[], keys: string[], version: string): CacheEntry | undefined {
  const usable = entries.filter((e) => e.committed && e.version === version).sort((a, b) => b.id - a.id);
  for (const key of keys) {
    const exact = usable.find((e) => e.key === key);
    if (exact) return exact;
    const prefix = usable.find((e) => e.key.startsWith(key));
    if (prefix) return prefix;
  }
  return undefined;
}

/** Parses `bytes S-E/*` (Content-Range) or `bytes=S-E` / `bytes=S-` (Range). */
export function parseRange(
  header: string | undefined,
  size?: number,
): { start: number; end: number } | undefined {
  const m = /^bytes[ =](\d*)-(\d*)/.exec(header ?? '');
  if (!m) return undefined;
  if (m[1] === '' && m[2] !== '' && size !== undefined) {
    const suffix = Number(m[2]);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? (size ?? 0) - 1 : Number(m[2]);
  return { start, end: size === undefined ? end : Math.min(end, size - 1) };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export class CacheStore {
  private state: State;
  private readonly file: string;
  readonly blobs: string;

  constructor(readonly dir: string) {
    this.file = join(dir, 'entries.json');
    this.blobs = join(dir, 'blobs');
    mkdirSync(this.blobs, { recursive: true });
    this.state = existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, 'utf8')) as State)
      : { nextId: 1, entries: [] };
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }

  get entries(): CacheEntry[] {
    return this.state.entries;
  }

  find(id: number): CacheEntry | undefined {
    return this.state.entries.find((e) => e.id === id);
  }

  reserve(namespace: string, key: string, version: string): CacheEntry | undefined {
    if (this.state.entries.some((e) => e.namespace === namespace && e.key === key && e.version === version)) {
      return undefined;
    }
    const entry: CacheEntry = {
      id: this.state.nextId++,
      namespace,
      key,
      version,
      committed: false,
      size: 0,
      createdAt: new Date().toISOString(),
      sig: randomBytes(16).toString('hex'),
    };
    this.state.entries.push(entry);
    writeFileSync(this.blobPath(entry), '');
    this.save();
    return entry;
  }

  blobPath(entry: CacheEntry): string {
    return join(this.blobs, String(entry.id));
  }

  writeAt(entry: CacheEntry, offset: number, data: Buffer): void {
    const fd = openSync(this.blobPath(entry), 'r+');
    try {
      writeSync(fd, data, 0, data.length, offset);
    } finally {
      closeSync(fd);
    }
  }

  commit(entry: CacheEntry, size: number): void {
    entry.committed = true;
    entry.size = size;
    this.save();
  }

  remove(entry: CacheEntry): void {
    this.state.entries = this.state.entries.filter((e) => e !== entry);
    rmSync(this.blobPath(entry), { force: true });
    rmSync(`${this.blobPath(entry)}.blocks`, { recursive: true, force: true });
    this.save();
  }
}

/** The cache key of each v2 (twirp) request, for the request log. */
const twirpKeys = new WeakMap<ServerResponse, string>();

export function createCacheServer(opts: CacheServerOptions): Server {
  const store = new CacheStore(opts.dir);
  const base = opts.publicUrl.replace(/\/$/, '');
  const log = (record: Record<string, unknown>): void => {
    if (opts.logFile)
      appendFileSync(opts.logFile, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  };

  const download = (req: IncomingMessage, res: ServerResponse, entry: CacheEntry): void => {
    const size = statSync(store.blobPath(entry)).size;
    const range = parseRange(req.headers.range, size);
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag: `"${entry.sig}"`,
      'last-modified': new Date(entry.createdAt).toUTCString(),
    };
    if (range && size > 0) {
      if (range.start >= size) return send(res, 416, undefined, { 'content-range': `bytes */${size}` });
      headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
      headers['content-length'] = String(range.end - range.start + 1);
      res.writeHead(206, headers);
      if (req.method === 'HEAD') return void res.end();
      createReadStream(store.blobPath(entry), { start: range.start, end: range.end }).pipe(res);
      return;
    }
    headers['content-length'] = String(size);
    res.writeHead(200, headers);
    if (req.method === 'HEAD' || size === 0) return void res.end();
    createReadStream(store.blobPath(entry)).pipe(res);
  };

  const handleV1 = async (
    req: IncomingMessage,
    res: ServerResponse,
    namespace: string,
    rest: string,
    url: URL,
  ): Promise<void> => {
    if (!req.headers.authorization?.startsWith('Bearer '))
      return send(res, 401, { message: 'missing token' });
    if (req.method === 'GET' && rest === 'cache') {
      const keys = (url.searchParams.get('keys') ?? '').split(',').filter(Boolean);
      const version = url.searchParams.get('version') ?? '';
      const entry = matchEntry(
        store.entries.filter((e) => e.namespace === namespace),
        keys,
        version,
      );
      if (!entry) return send(res, 204);
      return send(res, 200, {
        cacheKey: entry.key,
        scope: 'refs/heads/main',
        creationTime: entry.createdAt,
        archiveLocation: `${base}/_download/${entry.id}/${entry.sig}`,
      });
    }
    if (req.method === 'POST' && rest === 'caches') {
      if (!tokenCanWrite(req.headers.authorization)) return send(res, 403, { message: 'cache write denied' });
      const body = JSON.parse((await readBody(req)).toString('utf8')) as { key?: string; version?: string };
      if (!body.key || !body.version) return send(res, 400, { message: 'key and version are required' });
      const entry = store.reserve(namespace, body.key, body.version);
      if (!entry) {
        return send(res, 409, {
          $id: '1',
          message: `Cache already exists. Scope: refs/heads/main, Key: ${body.key}, Version: ${body.version}`,
          typeName: 'Microsoft.Azure.DevOps.PipelineCache.WebApi.ArtifactCacheAlreadyExistsException',
        });
      }
      return send(res, 201, { cacheId: entry.id });
    }
    const m = /^caches\/(\d+)$/.exec(rest);
    const entry = m ? store.find(Number(m[1])) : undefined;
    if (m && (!entry || entry.namespace !== namespace)) return send(res, 404, { message: 'cache not found' });
    if (entry && req.method === 'PATCH') {
      if (entry.committed) return send(res, 409, { message: 'cache already committed' });
      const range = parseRange(req.headers['content-range']);
      const data = await readBody(req);
      if (!range) return send(res, 400, { message: 'Content-Range required' });
      if (range.end - range.start + 1 !== data.length)
        return send(res, 400, { message: 'range/body mismatch' });
      store.writeAt(entry, range.start, data);
      return send(res, 204);
    }
    if (entry && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)).toString('utf8')) as { size?: number };
      const actual = statSync(store.blobPath(entry)).size;
      if (body.size !== actual)
        return send(res, 400, { message: `size ${body.size} does not match ${actual}` });
      store.commit(entry, actual);
      return send(res, 204);
    }
    return send(res, 404, { message: `no route for ${req.method} ${rest}` });
  };

  const handleTwirp = async (req: IncomingMessage, res: ServerResponse, method: string): Promise<void> => {
    if (req.method !== 'POST') return send(res, 405, { code: 'bad_route', msg: 'POST only' });
    if (!req.headers.authorization?.startsWith('Bearer ')) {
      return send(res, 401, { code: 'unauthenticated', msg: 'missing token' });
    }
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
    const key = String(body.key ?? '');
    twirpKeys.set(res, key);
    const version = String(body.version ?? '');
    const v2 = store.entries.filter((e) => e.namespace === 'v2');
    if (method === 'CreateCacheEntry') {
      if (!tokenCanWrite(req.headers.authorization)) {
        return send(res, 403, { code: 'permission_denied', msg: 'cache write denied' });
      }
      const entry = store.reserve('v2', key, version);
      if (!entry) return send(res, 409, { code: 'already_exists', msg: 'cache entry already exists' });
      return send(res, 200, {
        ok: true,
        signed_upload_url: `${base}/_blob/testbed/cache/${entry.id}?sig=${entry.sig}`,
      });
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = v2.find((e) => e.key === key && e.version === version && !e.committed);
      if (!entry) return send(res, 404, { code: 'not_found', msg: 'no reserved entry' });
      const actual = statSync(store.blobPath(entry)).size;
      if (Number(body.size_bytes) !== actual) {
        return send(res, 200, {
          ok: false,
          message: `size ${String(body.size_bytes)} does not match ${actual}`,
        });
      }
      store.commit(entry, actual);
      return send(res, 200, { ok: true, entry_id: String(entry.id) });
    }
    if (method === 'GetCacheEntryDownloadURL') {
      const keys = [key, ...((body.restore_keys as string[] | undefined) ?? [])];
      const entry = matchEntry(v2, keys, version);
      if (!entry) return send(res, 200, { ok: false });
      return send(res, 200, {
        ok: true,
        signed_download_url: `${base}/_blob/testbed/cache/${entry.id}?sig=${entry.sig}`,
        matched_key: entry.key,
      });
    }
    return send(res, 404, { code: 'bad_route', msg: `no method ${method}` });
  };

  /** The part of Azure Blob Storage's REST API that the Azure SDK uses for uploads, plus a plain GET. */
  const handleBlob = async (
    req: IncomingMessage,
    res: ServerResponse,
    id: number,
    url: URL,
  ): Promise<void> => {
    const entry = store.find(id);
    if (!entry || url.searchParams.get('sig') !== entry.sig) {
      return send(res, 403, undefined, { 'x-ms-error-code': 'AuthenticationFailed' });
    }
    const azure = {
      'x-ms-request-id': randomBytes(8).toString('hex'),
      'x-ms-version': '2025-01-05',
      etag: `"0x${randomBytes(8).toString('hex')}"`,
      'last-modified': new Date().toUTCString(),
      date: new Date().toUTCString(),
    };
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!entry.committed) return send(res, 404, undefined, { 'x-ms-error-code': 'BlobNotFound' });
      return download(req, res, entry);
    }
    if (req.method !== 'PUT') return send(res, 405);
    if (entry.committed) return send(res, 409, undefined, { 'x-ms-error-code': 'BlobAlreadyExists' });
    const comp = url.searchParams.get('comp');
    const blocks = `${store.blobPath(entry)}.blocks`;
    const data = await readBody(req);
    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid') ?? '';
      mkdirSync(blocks, { recursive: true });
      writeFileSync(join(blocks, Buffer.from(blockId).toString('hex')), data);
      return send(res, 201, undefined, { ...azure, 'x-ms-request-server-encrypted': 'true' });
    }
    if (comp === 'blocklist') {
      const ids = [...data.toString('utf8').matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)<\//g)].map(
        (m) => m[1] ?? '',
      );
      const parts = ids.map((blockId) => readFileSync(join(blocks, Buffer.from(blockId).toString('hex'))));
      writeFileSync(store.blobPath(entry), Buffer.concat(parts));
      rmSync(blocks, { recursive: true, force: true });
      return send(res, 201, undefined, { ...azure, 'x-ms-request-server-encrypted': 'true' });
    }
    if (comp) return send(res, 400, undefined, { 'x-ms-error-code': 'UnsupportedQueryParameter' });
    if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
      return send(res, 400, undefined, { 'x-ms-error-code': 'InvalidHeaderValue' });
    }
    writeFileSync(store.blobPath(entry), data);
    return send(res, 201, undefined, { ...azure, 'x-ms-request-server-encrypted': 'true' });
  };

  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.on('finish', () =>
      log({
        method: req.method,
        path: url.pathname,
        query: url.search.replace(/sig=[^&]*/, 'sig=***'),
        status: res.statusCode,
        // v2 names the entry in the body, not the path: logged so a test can tell its own requests apart.
        ...(twirpKeys.has(res) ? { key: twirpKeys.get(res) } : {}),
      }),
    );
    void (async () => {
      const path = url.pathname;
      if (path === '/_testbed/entries')
        return send(
          res,
          200,
          store.entries.filter((e) => e.committed),
        );
      if (path === '/_testbed/health') return send(res, 200, { ok: true });
      const dl = /^\/_download\/(\d+)\/([0-9a-f]+)$/.exec(path);
      if (dl) {
        const entry = store.find(Number(dl[1]));
        if (!entry || !entry.committed || entry.sig !== dl[2])
          return send(res, 404, { message: 'not found' });
        return download(req, res, entry);
      }
      const blob = /^\/_blob\/testbed\/cache\/(\d+)$/.exec(path);
      if (blob) return handleBlob(req, res, Number(blob[1]), url);
      if (path.startsWith(TWIRP)) return handleTwirp(req, res, path.slice(TWIRP.length));
      const at = path.indexOf(`/${V1}`);
      if (at >= 0) return handleV1(req, res, path.slice(0, at + 1), path.slice(at + 1 + V1.length), url);
      return send(res, 404, { message: `no route for ${req.method} ${path}` });
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { message: String(err) });
      else res.destroy();
    });
  });
}

/**
 * Whether a bearer token may write: its `ac` claim has a scope with the write bit (2). A token that cannot be
 * read as such a JWT may write (the double checks permissions, not signatures).
 */
export function tokenCanWrite(authorization: string | undefined): boolean {
  const payload = authorization?.replace(/^Bearer /, '').split('.')[1];
  if (!payload) return true;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { ac?: string };
    if (typeof claims.ac !== 'string') return true;
    const scopes = JSON.parse(claims.ac) as Array<{ Permission?: number }>;
    return scopes.some((s) => ((s.Permission ?? 0) & 2) !== 0);
  } catch {
    return true;
  }
}

/**
 * A token the v1 clients accept: a 3-part JWT (signature unchecked) whose `ac` claim is a JSON string of
 * scopes with write permission, valid from an hour ago until `days` from now.
 */
export function cacheToken(days = 3650, access: 'read-write' | 'read-only' = 'read-write'): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = {
    // Permission bits as GitHub sets them: 1 read, 2 write. Untrusted triggers get read-only tokens.
    ac: JSON.stringify([{ Scope: 'refs/heads/main', Permission: access === 'read-only' ? 1 : 3 }]),
    iss: 'imagespec-testbed',
    aud: 'vso:imagespec-testbed',
    nbf: now - 3600,
    iat: now - 3600,
    exp: now + days * 86400,
  };
  return `${part({ typ: 'JWT', alg: 'RS256' })}.${part(claims)}.${Buffer.from('testbed-unsigned').toString('base64url')}`;
}
