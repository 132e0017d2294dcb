/**
 * PEP 503 simple repository served from a directory of wheel files, written by hand with node:http because
 * the listing must follow the directory as tests drop wheels into it (no restart, no rebuild step).
 *
 * - `GET /simple/` lists projects; `GET /simple/<project>/` links `../../files/<file>#sha256=<hex>`.
 * - `GET /files/<file>` downloads a wheel, with PyPI's caching headers (immutable, ETag).
 * - Every request is appended to a JSON-lines log (`{time, method, path, status, userAgent}`);
 *   `GET /_log` returns that log so tests can assert what was downloaded.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeName } from './wheel.js';

export interface IndexServerOptions {
  dir: string;
  logFile: string;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Project name of a wheel or sdist file name, normalized. */
export function projectOf(filename: string): string | undefined {
  if (filename.endsWith('.whl')) return normalizeName(filename.split('-')[0] ?? '');
  const sdist = /^(.*)-[^-]+\.(tar\.gz|zip)$/.exec(filename);
  return sdist?.[1] ? normalizeName(sdist[1]) : undefined;
}

function page(res: ServerResponse, title: string, links: string[]): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${escapeHtml(title)}</title></head><body>\n${links.join('<br/>\n')}\n</body></html>\n`,
  );
}

export function createIndexServer(opts: IndexServerOptions): Server {
  const files = (): string[] =>
    existsSync(opts.dir)
      ? readdirSync(opts.dir)
          .filter((f) => projectOf(f))
          .sort()
      : [];
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    if (path !== '/_log') {
      res.on('finish', () =>
        appendFileSync(
          opts.logFile,
          `${JSON.stringify({ time: new Date().toISOString(), method: req.method, path, status: res.statusCode, userAgent: req.headers['user-agent'] ?? '' })}\n`,
        ),
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/_log') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(existsSync(opts.logFile) ? readFileSync(opts.logFile) : '');
      return;
    }
    if (path === '/simple/' || path === '/simple') {
      const projects = [...new Set(files().map((f) => projectOf(f) as string))];
      page(
        res,
        'Simple index',
        projects.map((p) => `<a href="${escapeHtml(p)}/">${escapeHtml(p)}</a>`),
      );
      return;
    }
    const project = /^\/simple\/([^/]+)\/?$/.exec(path);
    if (project?.[1]) {
      const name = normalizeName(project[1]);
      if (project[1] !== name || !path.endsWith('/')) {
        res.writeHead(301, { location: `/simple/${name}/` }).end();
        return;
      }
      const mine = files().filter((f) => projectOf(f) === name);
      if (mine.length === 0) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`no project ${name}\n`);
        return;
      }
      page(
        res,
        `Links for ${name}`,
        mine.map((f) => {
          const sha = createHash('sha256')
            .update(readFileSync(join(opts.dir, f)))
            .digest('hex');
          return `<a href="../../files/${encodeURIComponent(f)}#sha256=${sha}">${escapeHtml(f)}</a>`;
        }),
      );
      return;
    }
    const file = /^\/files\/([^/]+)$/.exec(path);
    if (file?.[1] && files().includes(file[1])) {
      const data = readFileSync(join(opts.dir, file[1]));
      // PyPI's headers for files: without them pip's HTTP cache keeps nothing and every build downloads again.
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(data.length),
        'cache-control': 'max-age=365000000, immutable, public',
        etag: `"${createHash('sha256').update(data).digest('hex')}"`,
      });
      res.end(req.method === 'HEAD' ? undefined : data);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
}
