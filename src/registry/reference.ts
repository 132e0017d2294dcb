/**
 * Image references: the distribution reference grammar and Docker's normalization.
 *
 * Written by hand: the npm ports of distribution's `reference` package predate its IPv6 host support
 * (`[::1]:5000/app`) and do not map a reference to the registry's API host, which every request needs.
 * The grammar below follows distribution/reference `regexp.go`; `splitDomain` follows its `normalize.go`.
 */
import { UserError } from '../errors.js';

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainNameComponent}(?:\\.${domainNameComponent})*|${ipv6Address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const DOMAIN = new RegExp(`^${domainAndPort}$`);
const REMOTE_NAME = new RegExp(`^${remoteName}$`);
const TAG = new RegExp(`^${tagPattern}$`);
const DIGEST = new RegExp(`^${digestPattern}$`);
const HEX64 = /^[a-f0-9]{64}$/;

/** Docker Hub's canonical domain, the legacy spellings that mean the same registry, and its API host. */
export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);
const DOCKER_HUB_API = 'registry-1.docker.io';
/** The key Docker uses for Docker Hub in config.json `auths` and when asking a credential helper. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

const NAME_MAX_LENGTH = 255;

/** A normalized image reference. */
export interface ImageReference {
  /** Registry as written after normalization: `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/python` or `org/app`. */
  path: string;
  tag?: string;
  digest?: string;
}

/** Parse and normalize a reference the way `docker pull` does; throws UserError naming the problem. */
export function parseReference(text: string): ImageReference {
  const input = text.trim();
  if (input === '') throw new UserError('image reference is empty');
  if (HEX64.test(input)) {
    throw new UserError(
      `invalid image reference '${input}': a 64-character hex string is an image ID, not a name`,
    );
  }
  // Split off the digest, then the tag (a ':' after the last '/' is a tag; before it, a port).
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw new UserError(
        `invalid image reference '${input}': '${digest}' is not a digest (e.g. sha256:<64 hex>)`,
      );
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw new UserError(
        `invalid image reference '${input}': tag '${tag}' must be 1-128 characters of letters, digits, '_', '.', '-' and not start with '.' or '-'`,
      );
    }
  }
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN.test(domain)) {
    throw new UserError(
      `invalid image reference '${input}': '${domain}' is not a valid registry host[:port]`,
    );
  }
  if (!REMOTE_NAME.test(path)) {
    const hint =
      path.toLowerCase() !== path
        ? 'repository names must be lowercase'
        : 'repository path components are lowercase letters and digits separated by ".", "_", "__" or "-"';
    throw new UserError(`invalid image reference '${input}': ${hint}`);
  }
  if (domain.length + 1 + path.length > NAME_MAX_LENGTH) {
    throw new UserError(
      `invalid image reference '${input}': the name is longer than ${NAME_MAX_LENGTH} characters`,
    );
  }
  const ref: ImageReference = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * Docker's rule for telling a registry from a repository path: the first component is a registry
 * when it contains '.' or ':', is `localhost`, or has uppercase letters; otherwise the image is on Docker Hub,
 * where one-component names live under `library/`.
 */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  let domain: string;
  let path: string;
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DOCKER_HUB;
    path = name;
  } else {
    domain = first;
    path = name.slice(slash + 1);
  }
  domain = normalizeDomain(domain);
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { domain, path };
}

/** Docker Hub's other spellings become `docker.io`; any other registry host is kept as written. */
export function normalizeDomain(domain: string): string {
  return DOCKER_HUB_ALIASES.has(domain.toLowerCase()) ? DOCKER_HUB : domain;
}

/** `domain/path[:tag][@digest]`, fully qualified (the form `docker push` accepts everywhere). */
export function formatReference(ref: ImageReference): string {
  let out = `${ref.domain}/${ref.path}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** The host[:port] that serves the registry API for a domain (Docker Hub's API lives on another host). */
export function apiHost(domain: string): string {
  return domain === DOCKER_HUB ? DOCKER_HUB_API : domain;
}

/** The host part of `host[:port]` (brackets kept off IPv6 addresses). */
export function hostname(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, domain.indexOf(']'));
  const colon = domain.lastIndexOf(':');
  return colon >= 0 ? domain.slice(0, colon) : domain;
}

/** True for `localhost`, 127.0.0.0/8 and ::1, which Docker always reaches over plain HTTP. */
export function isLoopback(domain: string): boolean {
  const h = hostname(domain).toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The base URL of the registry API. Loopback registries and those listed as insecure use plain HTTP,
 * as the Docker daemon and buildx do; every other registry uses HTTPS.
 * An `insecure` entry is a `host[:port]`, optionally with an `http://` prefix; a host without a port matches every port.
 */
export function registryBaseUrl(domain: string, insecure: readonly string[] = []): string {
  const host = apiHost(domain);
  return `${usesPlainHttp(domain, insecure) ? 'http' : 'https'}://${host}`;
}

function usesPlainHttp(domain: string, insecure: readonly string[]): boolean {
  if (isLoopback(domain)) return true;
  const d = domain.toLowerCase();
  return insecure.some((entry) => {
    const e = entry
      .trim()
      .toLowerCase()
      .replace(/^https?:\/\//, '')
      .replace(/\/+$/, '');
    return e !== '' && (e === d || e === hostname(d));
  });
}

/** Registry domains of image references (unparseable ones are skipped: the build reports them). */
export function registriesOf(refs: Array<string | undefined>): string[] {
  const out = new Set<string>();
  for (const r of refs) {
    if (!r) continue;
    try {
      out.add(parseReference(r).domain);
    } catch {
      // not a reference we can resolve; buildx will say what is wrong with it
    }
  }
  return [...out].sort();
}
