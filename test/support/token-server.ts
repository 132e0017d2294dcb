/**
 * Token server for the `token` registry of the testbed (Docker registry token authentication,
 * https://distribution.github.io/distribution/spec/auth/token/). Written by hand with node:http and
 * node:crypto because no maintained package issues tokens in the exact form distribution 2.8 accepts:
 * an ES256 JWT whose header carries the signing certificate as `x5c`, a string `aud`, and a raw r‖s signature.
 *
 * Access rule: repositories whose name starts with `public/` (see {@link PUBLIC_PREFIX}) allow anonymous pull;
 * every other repository is private. A user with `push: true` gets pull and push everywhere; a user with
 * `push: false` gets pull everywhere. Wrong credentials answer 401; anonymous requests for private
 * repositories get a token without access, so the registry answers 401 like for a missing repository.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';

export const PUBLIC_PREFIX = 'public/';

export interface TokenUser {
  password: string;
  push: boolean;
}

export interface TokenServerOptions {
  /** PEM of the EC P-256 private key that signs tokens. */
  keyPem: string;
  /** PEM of the self-signed certificate for that key (the registry's `rootcertbundle`). */
  certPem: string;
  issuer: string;
  service: string;
  users: Record<string, TokenUser>;
  /** Token lifetime in seconds. */
  ttl?: number;
  log?: (line: string) => void;
}

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** Parses `repository:name:pull,push` scopes; repository names may contain ':' only in the tag-less form. */
export function parseScopes(scopes: string[]): AccessEntry[] {
  const out: AccessEntry[] = [];
  for (const scope of scopes.flatMap((s) => s.split(' ')).filter(Boolean)) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last === first) continue;
    out.push({
      type: scope.slice(0, first),
      name: scope.slice(first + 1, last),
      actions: scope
        .slice(last + 1)
        .split(',')
        .filter(Boolean),
    });
  }
  return out;
}

/** Grants the subset of the requested actions the account may have under the access rule above. */
export function grant(requested: AccessEntry[], user: TokenUser | undefined): AccessEntry[] {
  const granted: AccessEntry[] = [];
  for (const entry of requested) {
    if (entry.type !== 'repository') continue;
    const allowed = new Set<string>();
    if (user || entry.name.startsWith(PUBLIC_PREFIX)) allowed.add('pull');
    if (user?.push) {
      allowed.add('push');
      allowed.add('delete');
      allowed.add('*');
    }
    const actions = entry.actions.filter((a) => allowed.has(a));
    if (actions.length > 0) granted.push({ type: entry.type, name: entry.name, actions });
  }
  return granted;
}

export class TokenIssuer {
  private readonly key: KeyObject;
  private readonly x5c: string;

  constructor(private readonly opts: TokenServerOptions) {
    this.key = createPrivateKey(opts.keyPem);
    this.x5c = new X509Certificate(opts.certPem).raw.toString('base64');
  }

  issue(subject: string, access: AccessEntry[]): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [this.x5c] };
    const claims = {
      iss: this.opts.issuer,
      sub: subject,
      aud: this.opts.service,
      exp: now + (this.opts.ttl ?? 3600),
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(signature)}`;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const header = req.headers.authorization;
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function createTokenServer(opts: TokenServerOptions): Server {
  const issuer = new TokenIssuer(opts);
  const log = opts.log ?? (() => undefined);
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/token') return json(res, 404, { error: 'not found' });
      let scopes = url.searchParams.getAll('scope');
      let creds = basicCredentials(req);
      let service = url.searchParams.get('service');
      if (req.method === 'POST') {
        // OAuth2 password grant, as containerd sends when it holds credentials.
        const form = new URLSearchParams(await readBody(req));
        scopes = form.getAll('scope');
        service = form.get('service') ?? service;
        if (form.get('grant_type') === 'password') {
          creds = { user: form.get('username') ?? '', password: form.get('password') ?? '' };
        } else if (form.get('grant_type') === 'refresh_token') {
          return json(res, 400, { error: 'unsupported_grant_type' });
        }
      } else if (req.method !== 'GET') {
        return json(res, 405, { error: 'method not allowed' });
      }
      if (service && service !== opts.service) return json(res, 400, { error: `unknown service ${service}` });
      let user: TokenUser | undefined;
      if (creds) {
        user = opts.users[creds.user];
        if (!user || user.password !== creds.password) {
          log(`${req.method} /token account=${creds.user} -> 401`);
          res.setHeader('www-authenticate', 'Basic realm="imagespec-testbed"');
          return json(res, 401, {
            errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }],
          });
        }
      }
      const access = grant(parseScopes(scopes), user);
      const token = issuer.issue(creds?.user ?? '', access);
      log(
        `${req.method} /token account=${creds?.user ?? '-'} scope=${scopes.join(' ')} -> ${JSON.stringify(access)}`,
      );
      json(res, 200, {
        token,
        access_token: token,
        expires_in: opts.ttl ?? 3600,
        issued_at: new Date().toISOString(),
      });
    })().catch((err: unknown) => {
      log(`error: ${String(err)}`);
      if (!res.headersSent) json(res, 500, { error: String(err) });
    });
  });
}
