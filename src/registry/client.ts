/**
 * A minimal Docker Registry HTTP API v2 client: sends a request for one repository, answers the
 * registry's challenge (anonymous or credentialed Bearer token, or Basic), and retries transient failures.
 * It never interprets statuses: callers decide what 200/404/401 mean.
 */
import { parseChallenges, pickChallenge, type Challenge } from './challenge.js';
import {
  CredentialError,
  credentialSources,
  describeCredentials,
  findCredentials,
  type CredentialOptions,
  type Credentials,
} from './credentials.js';
import { httpExchange, type HttpReply, type ReplyHeaders } from './http.js';
import { apiHost, registryBaseUrl, type ImageReference } from './reference.js';
import { DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, retrying, type RetryPolicy } from './retry.js';

export interface RegistryOptions extends CredentialOptions {
  /** Registries reached over plain HTTP besides loopback ones (host[:port]). */
  insecure?: readonly string[];
  /**
   * Private certificate authorities (PEM) per registry host (`host[:port]`), from the BuildKit configuration
   * (`[registry."host"] ca = [...]`). Such a host is reached over HTTPS, even on loopback, trusting these CAs
   * besides the system's.
   */
  ca?: Readonly<Record<string, readonly string[]>>;
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
}

/** Why a check could not get an answer; decides the advice given to the user. */
export type FailureCause = 'auth' | 'credentials' | 'server' | 'network' | 'timeout';

export interface RegistryReply {
  status: number;
  headers: ReplyHeaders;
  body: string;
  /** How the final request was authenticated, in words (`anonymously`, `as 'ci' from auths in ...`). */
  auth: string;
  /** True when credentials were used for the final request. */
  authenticated: boolean;
}

type RawReply = Omit<RegistryReply, 'auth' | 'authenticated'>;

export class RegistryFailure extends Error {
  override name = 'RegistryFailure';
  constructor(
    message: string,
    readonly kind: FailureCause,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  accept?: readonly string[];
  /** Ignore all credentials (visibility probe). */
  anonymous?: boolean;
  /** Epoch ms by which the whole check must finish. */
  deadline: number;
}

interface CachedAuth {
  header: string;
  expires: number;
  creds: Credentials | undefined;
}

const DEFAULT_TOKEN_LIFETIME_S = 60;

export class RegistryClient {
  readonly policy: RetryPolicy;
  private readonly credentials = new Map<string, Promise<Credentials | undefined>>();
  private readonly auth = new Map<string, CachedAuth>();

  constructor(private readonly opts: RegistryOptions = {}) {
    this.policy = { ...DEFAULT_RETRY, ...opts.retry };
  }

  /** A deadline for a check starting now. */
  deadline(): number {
    return Date.now() + this.policy.totalMs;
  }

  baseUrl(ref: ImageReference): string {
    if (this.caFor(ref.domain)) return `https://${apiHost(ref.domain)}`;
    return registryBaseUrl(ref.domain, this.opts.insecure);
  }

  /** The private CAs configured for a registry host, if any. */
  private caFor(host: string): readonly string[] | undefined {
    const list = this.opts.ca?.[host] ?? this.opts.ca?.[host.toLowerCase()];
    return list && list.length > 0 ? list : undefined;
  }

  /** Credentials for a registry, looked up once per client. */
  credentialsFor(domain: string): Promise<Credentials | undefined> {
    let found = this.credentials.get(domain);
    if (!found) {
      found = findCredentials(domain, this.opts);
      this.credentials.set(domain, found);
    }
    return found;
  }

  /** GET or HEAD `/v2/<path>/<suffix>` (suffix e.g. `manifests/TAG`), authenticating as the registry asks. */
  async request(ref: ImageReference, suffix: string, req: RequestOptions): Promise<RegistryReply> {
    const url = `${this.baseUrl(ref)}/v2/${ref.path}/${suffix}`;
    const scope = `repository:${ref.path}:pull`;
    const cacheKey = `${ref.domain}|${scope}|${req.anonymous ? 'anon' : 'auth'}`;
    const headers: Record<string, string> = {};
    if (req.accept) headers.accept = req.accept.join(', ');
    if (this.opts.userAgent) headers['user-agent'] = this.opts.userAgent;

    const cached = this.auth.get(cacheKey);
    const reuse = cached && cached.expires > Date.now() ? cached : undefined;
    let reply = await this.send(url, req, { ...headers, ...(reuse ? { authorization: reuse.header } : {}) });
    if (reply.status !== 401) return { ...reply, ...authWords(reuse?.creds) };

    const challenge = pickChallenge(parseChallenges(reply.headers.get('www-authenticate') ?? ''));
    if (!challenge) {
      throw new RegistryFailure(`${url} answered 401 without a Bearer or Basic challenge`, 'auth');
    }
    const creds = req.anonymous ? undefined : await this.lookupCredentials(ref.domain);
    const words = authWords(creds);
    if (!creds && !req.anonymous) {
      words.auth = `none found for ${ref.domain} in ${credentialSources(this.opts)}`;
    }
    // A Basic challenge without credentials cannot be answered: the 401 is the answer.
    if (challenge.scheme === 'basic' && !creds) return { ...reply, ...words };
    const fresh = await this.authorize(challenge, scope, creds, req.deadline, ref.domain);
    this.auth.set(cacheKey, fresh);
    reply = await this.send(url, req, { ...headers, authorization: fresh.header });
    return { ...reply, ...words };
  }

  private async lookupCredentials(domain: string): Promise<Credentials | undefined> {
    try {
      return await this.credentialsFor(domain);
    } catch (err) {
      if (err instanceof CredentialError) throw new RegistryFailure(err.message, 'credentials');
      throw err;
    }
  }

  /** The Authorization header answering a challenge. */
  private async authorize(
    challenge: Challenge,
    scope: string,
    creds: Credentials | undefined,
    deadline: number,
    domain: string,
  ): Promise<CachedAuth> {
    if (challenge.scheme === 'basic' && creds) {
      if (creds.kind !== 'basic') {
        throw new RegistryFailure(
          `${domain} asks for Basic authentication but ${creds.source} holds an identity token; log in with a username and password`,
          'credentials',
        );
      }
      const basic = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
      return { header: `Basic ${basic}`, expires: Number.POSITIVE_INFINITY, creds };
    }
    const token = await this.fetchToken(challenge, scope, creds, deadline);
    return { header: `Bearer ${token.token}`, expires: Date.now() + token.lifetimeS * 1000 * 0.9, creds };
  }

  /**
   * Ask the token service named by a Bearer challenge for a pull token:
   * GET `realm?service=…&scope=…` (Basic credentials, or none), or for an identity token the OAuth2
   * `refresh_token` grant by POST, as the Docker CLI does.
   */
  private async fetchToken(
    challenge: Challenge,
    scope: string,
    creds: Credentials | undefined,
    deadline: number,
  ): Promise<{ token: string; lifetimeS: number }> {
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryFailure('the registry sent a Bearer challenge without a realm', 'auth');
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryFailure(`the registry's token realm '${realm}' is not a URL`, 'auth');
    }
    const service = challenge.params.service;
    let reply;
    if (creds?.kind === 'identity-token') {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.token,
        client_id: 'imagespec',
      });
      if (service) form.set('service', service);
      form.set('scope', scope);
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      reply = await this.send(url.toString(), { method: 'POST', deadline }, headers, form.toString());
    } else {
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (creds)
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      reply = await this.send(url.toString(), { method: 'GET', deadline }, headers);
    }
    if (reply.status === 401 || reply.status === 403) {
      throw new RegistryFailure(
        `the token service ${url.origin}${url.pathname} rejected the credentials (${reply.status}) used ${describeCredentials(creds)}; check the username and password or token, or log in again`,
        'auth',
      );
    }
    if (reply.status !== 200) {
      throw new RegistryFailure(
        `the token service ${url.origin}${url.pathname} answered ${reply.status}`,
        'server',
      );
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(reply.body) as typeof parsed;
    } catch {
      throw new RegistryFailure(
        `the token service ${url.origin}${url.pathname} answered with something that is not JSON`,
        'server',
      );
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new RegistryFailure(
        `the token service ${url.origin}${url.pathname} answered without a token`,
        'server',
      );
    }
    const lifetimeS =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0
        ? parsed.expires_in
        : DEFAULT_TOKEN_LIFETIME_S;
    return { token, lifetimeS };
  }

  /** One HTTP exchange with retries; throws RegistryFailure when no usable answer came in time. */
  private async send(
    url: string,
    req: { method?: 'GET' | 'HEAD' | 'POST'; deadline: number },
    headers: Record<string, string>,
    body?: string,
  ): Promise<RawReply> {
    const method = req.method ?? 'GET';
    let lastCause: FailureCause = 'server';
    const result = await retrying<RawReply>(this.policy, req.deadline, async (remaining) => {
      const timeout = Math.min(this.policy.requestTimeoutMs, remaining);
      try {
        const ca = url.startsWith('https:') ? this.caFor(new URL(url).host) : undefined;
        const res = await httpExchange(url, {
          ...(ca ? { ca } : {}),
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          timeoutMs: timeout,
        });
        if (speaksHttps(url, res)) {
          throw new RegistryFailure(
            `${new URL(url).host} serves HTTPS, but it was asked over plain HTTP (loopback registries are, unless a CA is configured for them); ${caAdvice(new URL(url).host)}`,
            'network',
          );
        }
        if (isRetryableStatus(res.status)) {
          lastCause = 'server';
          const waitMs =
            res.status === 429 || res.status === 503
              ? parseRetryAfter(res.headers.get('retry-after'))
              : undefined;
          return { retry: `${method} ${url} answered ${res.status} ${res.statusText}`.trimEnd(), waitMs };
        }
        return { done: { status: res.status, headers: res.headers, body: res.body } };
      } catch (err) {
        if (err instanceof RegistryFailure) throw err;
        const problem = describeNetworkError(err, url, timeout);
        lastCause = problem.cause;
        if (!problem.retry) throw new RegistryFailure(problem.message, problem.cause);
        return { retry: problem.message };
      }
    });
    if (!result.ok) throw new RegistryFailure(result.reason, lastCause);
    return result.value;
  }
}

/** How to trust a registry's private CA: the fix named in TLS errors. */
export function caAdvice(host: string): string {
  return `if it uses a private certificate authority, give its CA to imagespec: the buildkitd-config (or buildkitd-config-inline) input, or --buildkitd-config FILE, with [registry."${host}"] ca = ["path/to/ca.pem"]`;
}

/**
 * An HTTPS server asked over plain HTTP: Go's TLS server answers a bare `400` ("Client sent an HTTP request to
 * an HTTPS server"), without the headers every registry sends.
 */
function speaksHttps(url: string, res: HttpReply): boolean {
  if (!url.startsWith('http:') || res.status !== 400) return false;
  if (res.body.includes('HTTP request to an HTTPS server')) return true;
  return (
    res.body === '' &&
    res.headers.get('docker-distribution-api-version') === null &&
    res.headers.get('content-type') === null
  );
}

function authWords(creds: Credentials | undefined): Pick<RegistryReply, 'auth' | 'authenticated'> {
  return { auth: describeCredentials(creds), authenticated: creds !== undefined };
}

/** Words and retry advice for a failed exchange (the system or TLS error's `code`, see http.ts). */
function describeNetworkError(
  err: unknown,
  url: string,
  timeoutMs: number,
): { message: string; cause: FailureCause; retry: boolean } {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  const host = new URL(url).host;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return {
      message: `no answer from ${host} within ${Math.round(timeoutMs / 100) / 10} s`,
      cause: 'timeout',
      retry: true,
    };
  }
  const code = e.code ?? e.cause?.code ?? '';
  switch (code) {
    case 'ENOTFOUND':
      return {
        message: `cannot resolve ${new URL(url).hostname} (DNS lookup failed)`,
        cause: 'network',
        retry: false,
      };
    case 'ECONNREFUSED':
      return { message: `connection to ${host} refused`, cause: 'network', retry: true };
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return { message: `connection to ${host} was reset`, cause: 'network', retry: true };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return { message: `no answer from ${host} in time`, cause: 'timeout', retry: true };
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'CERT_HAS_EXPIRED':
      return {
        message: `TLS with ${host} failed (${code}); if the registry serves plain HTTP, list it in insecure-registries`,
        cause: 'network',
        retry: false,
      };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return {
        message: `TLS with ${host} failed (${code}): its certificate is not signed by a CA this runner trusts; ${caAdvice(host)}`,
        cause: 'network',
        retry: false,
      };
    default: {
      const detail = e.message ?? e.cause?.message ?? String(err);
      return {
        message: `request to ${host} failed: ${code ? `${code} ` : ''}${detail}`,
        cause: 'network',
        retry: true,
      };
    }
  }
}
