/**
 * The closed sets of values that the action inputs and the CLI options share, each defined once with its
 * parser, so `flavor: flyte` in a workflow and `--flavor flyte` on a command line accept the same words.
 */
import { UserError } from './errors.js';

export const FLAVORS = ['generic', 'flyte'] as const;
/** `generic`: a lean image of this tool's own; `flyte`: the image flytekit's default builder makes. */
export type Flavor = (typeof FLAVORS)[number];

export const CACHE_BACKENDS = ['gha', 'registry', 'local', 'none'] as const;
/** Where buildx keeps the layer cache between runs. */
export type CacheBackend = (typeof CACHE_BACKENDS)[number];

export const ON_UNKNOWN = ['fail', 'build', 'skip'] as const;
/** What to do with an image when the registry cannot say whether it exists. */
export type OnUnknown = (typeof ON_UNKNOWN)[number];

export const PROVENANCE = ['min', 'max', 'false'] as const;
/** The provenance attestation: buildx `mode=min`, `mode=max`, or none. */
export type Provenance = (typeof PROVENANCE)[number];

/**
 * One of `allowed`, case-insensitive and trimmed; empty or undefined gives `fallback`. `what` names the
 * setting in the error (e.g. "input 'cache'" or "build: --cache").
 */
export function parseChoice<T extends string>(
  what: string,
  text: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UserError(`${what} is '${(text ?? '').trim()}'; use one of: ${allowed.join(', ')}`);
}

export const parseFlavor = (what: string, text: string | undefined): Flavor =>
  parseChoice(what, text, FLAVORS, 'generic');

export const parseCacheBackend = (what: string, text: string | undefined): CacheBackend =>
  parseChoice(what, text, CACHE_BACKENDS, 'gha');

export const parseOnUnknown = (what: string, text: string | undefined): OnUnknown =>
  parseChoice(what, text, ON_UNKNOWN, 'fail');

/** `min`, `max` or `false`; `true` means `min`, and buildx's own spelling `mode=min|max` is accepted too. */
export function parseProvenance(what: string, text: string | undefined): Provenance {
  const value = (text ?? '').trim().toLowerCase();
  if (value === 'true') return 'min';
  const mode = /^mode=(min|max)$/.exec(value)?.[1] as Provenance | undefined;
  return mode ?? parseChoice(what, text, PROVENANCE, 'min');
}

/** The buildx `--provenance` value for a provenance setting. */
export function provenanceFlag(p: Provenance): string {
  return p === 'false' ? 'false' : `mode=${p}`;
}
