/**
 * Registry credentials, found the way the Docker CLI finds them, so `docker login` and
 * docker/login-action just work:
 *   1. an explicit username/password given for the registry;
 *   2. `credHelpers[registry]` in config.json (`docker-credential-<name> get`);
 *   3. `credsStore` in config.json (same protocol);
 *   4. `auths[registry]` in config.json (`auth` = base64 "user:password", or `identitytoken`).
 * config.json is `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
 * A helper that holds nothing for the registry passes the question on to the next source.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CredentialHelperError, getFromHelper } from './cred-helper.js';
import { DOCKER_HUB, DOCKER_HUB_AUTH_KEY, normalizeDomain } from './reference.js';

export type Credentials =
  | { kind: 'basic'; username: string; password: string; source: string }
  /** An OAuth2 refresh token (`identitytoken`), exchanged at the token service with `grant_type=refresh_token`. */
  | { kind: 'identity-token'; username: string; token: string; source: string };

/** Credentials given explicitly (e.g. the action's `username`/`password` inputs) for one registry. */
export interface ExplicitLogin {
  registry: string;
  username: string;
  password: string;
}

export interface CredentialOptions {
  explicit?: readonly ExplicitLogin[];
  /** Directory holding config.json; defaults to $DOCKER_CONFIG, then ~/.docker. */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with every secret found (the action passes core.setSecret). */
  mask?: (secret: string) => void;
}

/** A problem reading credentials (unreadable config, failing helper): the check reports it as `unknown`. */
export class CredentialError extends Error {
  override name = 'CredentialError';
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}
interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The directory Docker reads config.json from. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

/** Normalize a registry as written by a user or in config.json keys (`https://index.docker.io/v1/`, `ghcr.io`). */
export function normalizeRegistry(text: string): string {
  const host = text
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]!;
  return normalizeDomain(host);
}

/** The server address Docker stores and asks helpers for: Docker Hub's legacy URL, else host[:port]. */
export function authKey(domain: string): string {
  return domain === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : domain;
}

function sameRegistry(key: string, domain: string): boolean {
  return normalizeRegistry(key) === domain;
}

/** Entry of a map keyed by registry: the exact key Docker uses first, then any key naming the same registry. */
function lookup<T>(map: Record<string, T> | undefined, domain: string): T | undefined {
  if (!map) return undefined;
  const exact = map[authKey(domain)];
  if (exact !== undefined) return exact;
  for (const [key, value] of Object.entries(map)) if (sameRegistry(key, domain)) return value;
  return undefined;
}

async function readConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredentialError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as DockerConfig) : {};
  } catch {
    throw new CredentialError(`${path} is not valid JSON; fix it or run 'docker login' again`);
  }
}

function fromAuthEntry(entry: AuthEntry, source: string): Credentials | undefined {
  let username = entry.username ?? '';
  let password = entry.password ?? '';
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new CredentialError(`${source}: 'auth' is not base64 of "user:password"`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (entry.identitytoken) return { kind: 'identity-token', username, token: entry.identitytoken, source };
  if (username === '' && password === '') return undefined;
  return { kind: 'basic', username, password, source };
}

async function fromHelper(
  helper: string,
  domain: string,
  env: NodeJS.ProcessEnv,
  how: string,
): Promise<Credentials | undefined> {
  let found;
  try {
    found = await getFromHelper(helper, authKey(domain), env);
  } catch (err) {
    if (err instanceof CredentialHelperError) throw new CredentialError(`${err.message} (${how})`);
    throw err;
  }
  if (!found) return undefined;
  const source = `credential helper docker-credential-${helper} (${how})`;
  if (found.username === '<token>')
    return { kind: 'identity-token', username: '', token: found.secret, source };
  return { kind: 'basic', username: found.username, password: found.secret, source };
}

/** Find credentials for a registry domain (as in ImageReference.domain); undefined means anonymous. */
export async function findCredentials(
  domain: string,
  opts: CredentialOptions = {},
): Promise<Credentials | undefined> {
  const creds = await find(domain, opts);
  if (creds && opts.mask) {
    const secret = creds.kind === 'basic' ? creds.password : creds.token;
    if (secret) opts.mask(secret);
    if (creds.kind === 'basic')
      opts.mask(Buffer.from(`${creds.username}:${creds.password}`).toString('base64'));
  }
  return creds;
}

async function find(domain: string, opts: CredentialOptions): Promise<Credentials | undefined> {
  const env = opts.env ?? process.env;
  for (const login of opts.explicit ?? []) {
    if (normalizeRegistry(login.registry) === domain && (login.username || login.password)) {
      return {
        kind: 'basic',
        username: login.username,
        password: login.password,
        source: 'the given username/password',
      };
    }
  }
  const path = join(opts.configDir ?? dockerConfigDir(env), 'config.json');
  const config = await readConfig(path);
  if (!config) return undefined;
  const helper = lookup(config.credHelpers, domain);
  if (helper) {
    const creds = await fromHelper(helper, domain, env, `credHelpers in ${path}`);
    if (creds) return creds;
  }
  if (config.credsStore) {
    const creds = await fromHelper(config.credsStore, domain, env, `credsStore in ${path}`);
    if (creds) return creds;
  }
  const entry = lookup(config.auths, domain);
  return entry ? fromAuthEntry(entry, `auths in ${path}`) : undefined;
}

/** Where credentials were looked for, in words (for "none found" messages). */
export function credentialSources(opts: CredentialOptions = {}): string {
  const path = join(opts.configDir ?? dockerConfigDir(opts.env ?? process.env), 'config.json');
  return opts.explicit?.length ? `the given username/password or ${path}` : path;
}

/** Words for reasons and logs: who we authenticated as and where that came from. Never includes a secret. */
export function describeCredentials(creds: Credentials | undefined): string {
  if (!creds) return 'anonymously';
  if (creds.kind === 'identity-token') return `with an identity token from ${creds.source}`;
  return `as '${creds.username}' from ${creds.source}`;
}
