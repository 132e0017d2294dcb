import * as core from '@actions/core';
import { UserError } from '../errors.js';
import { parseSize } from '../mount-cache/size.js';
import {
  parseCacheBackend,
  parseChoice,
  parseFlavor,
  parseOnUnknown,
  parseProvenance,
  type CacheBackend,
  type Flavor,
  type OnUnknown,
  type Provenance,
} from '../choices.js';
import { DEFAULT_RUNNERS, parseRunners, type RunnerMap } from '../distribute/runners.js';
import { excerpt } from '../spec/excerpt.js';
import { extraTagProblem, labelProblem, platformsProblem, registryHostProblem } from '../spec/inputs.js';
import { userRecord } from '../util/record.js';

export type PushMode = 'auto' | 'true' | 'false';
/** `all`: one job does everything; `plan`, `build` (one leg), `merge`: the steps of a build spread over runners. */
export const MODES = ['all', 'plan', 'build', 'merge'] as const;
export type Mode = (typeof MODES)[number];

/** Every input of action.yml, parsed and checked once. The rest of the action reads only this object. */
export interface ActionInputs {
  mode: Mode;
  spec: string;
  image?: string;
  /** `image` as a list (build and merge take several, comma-separated, as a grouped matrix job passes them). */
  images: string[];
  /** `mode: build`: the one platform the leg builds. */
  platform?: string;
  /** `mode: plan`: runner per platform. */
  runners: RunnerMap;
  /** `mode: plan`: dependency layers the workflow runs; a deeper tree fails the plan. */
  maxLayers?: number;
  /** `mode: merge`: images the plan found missing, reported as built by this run. */
  pending: string[];
  flavor: Flavor;
  registry?: string;
  push: PushMode;
  buildWithoutPush: boolean;
  force: boolean;
  onUnknown: OnUnknown;
  requirePublic: boolean;
  platforms?: string[];
  cache: CacheBackend;
  cacheScope: string;
  builder?: string;
  username?: string;
  password?: string;
  githubToken?: string;
  provenance: Provenance;
  sbom: boolean;
  extraTags: string[];
  labels: Record<string, string>;
  summary: boolean;
  insecureRegistries: string[];
  /** A buildkitd.toml for the builder the action creates (path relative to the workspace). */
  buildkitdConfig?: string;
  /** buildkitd.toml content, the same as `buildkitdConfig` written inline. */
  buildkitdConfigInline?: string;
  mountCache: boolean;
  mountCacheBudget: number;
  mountCacheImage: string;
}

type Reader = (name: string) => string;

function bool(read: Reader, name: string, fallback: boolean): boolean {
  const value = read(name).trim().toLowerCase();
  if (value === '') return fallback;
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off'].includes(value)) return false;
  throw new UserError(`input '${name}' is '${value}'; use true or false`);
}

function size(read: Reader, name: string, fallback: string): number {
  const text = read(name).trim() || fallback;
  const bytes = parseSize(text);
  if (bytes === undefined)
    throw new UserError(`input '${name}' is '${text}'; write a size such as 2GiB or 500MB`);
  return bytes;
}

function optional(read: Reader, name: string): string | undefined {
  const value = read(name).trim();
  return value === '' ? undefined : value;
}

/** Splits a list input written one item per line and/or comma-separated; drops blanks and `#` comments. */
export function listInput(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Parses `key=value` lines (metadata-action's `labels` output format). */
export function labelsInput(text: string): Record<string, string> {
  const labels = userRecord<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw new UserError(`input 'labels' has the line ${excerpt(line)}; write one key=value per line`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1);
    const problem = labelProblem(key, value);
    if (problem) throw new UserError(`input 'labels': ${problem}`);
    labels[key] = value;
  }
  return labels;
}

/** A list input whose every item passes `check` (a rule shared with the spec), else a UserError naming the input. */
function checkedList(read: Reader, name: string, check: (item: string) => string | undefined): string[] {
  const items = listInput(read(name));
  for (const item of items) {
    const problem = check(item);
    if (problem) throw new UserError(`input '${name}': ${problem}`);
  }
  return items;
}

/** The `platforms` input, with the spec's `platform` rules. */
export function platformsInput(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const list = listInput(text);
  const problem = platformsProblem(list);
  if (problem) throw new UserError(`input 'platforms' ${problem}`);
  return list;
}

export function readInputs(read: Reader = (name) => core.getInput(name)): ActionInputs {
  const platforms = optional(read, 'platforms');
  const password = optional(read, 'password');
  const githubToken = optional(read, 'github-token');
  if (password) core.setSecret(password);
  if (githubToken) core.setSecret(githubToken);
  const username = optional(read, 'username');
  if (password && !username)
    throw new UserError("input 'password' is set without 'username'; set both or neither");
  const mode = parseChoice("input 'mode'", read('mode'), MODES, 'all');
  const image = optional(read, 'image');
  const images = listInput(image ?? '');
  const platform = optional(read, 'platform');
  if (mode === 'build' && (images.length === 0 || !platform)) {
    throw new UserError(
      "mode 'build' builds one leg: set 'image' and 'platform' (from the plan's matrix: matrix.image, matrix.platform)",
    );
  }
  const platformCheck = platform === undefined ? undefined : platformsProblem([platform]);
  if (platformCheck || platform?.includes(',')) {
    throw new UserError(
      `input 'platform' ${platformCheck ?? `is ${excerpt(platform!)}`}; write one platform such as linux/arm64`,
    );
  }
  const layers = optional(read, 'max-layers');
  const maxLayers = layers === undefined ? undefined : Number(layers);
  if (maxLayers !== undefined && (!Number.isInteger(maxLayers) || maxLayers < 1)) {
    throw new UserError(`input 'max-layers' is '${layers}'; write a whole number of at least 1`);
  }
  return {
    mode,
    spec: optional(read, 'spec') ?? 'imagespec.yaml',
    image,
    images,
    ...(platform ? { platform } : {}),
    runners: parseRunners(optional(read, 'runners') ?? DEFAULT_RUNNERS, "input 'runners'"),
    ...(maxLayers !== undefined ? { maxLayers } : {}),
    pending: listInput(read('pending')),
    flavor: parseFlavor("input 'flavor'", read('flavor')),
    registry: optional(read, 'registry'),
    push: parseChoice("input 'push'", read('push'), ['auto', 'true', 'false'] as const, 'auto'),
    buildWithoutPush: bool(read, 'build-without-push', true),
    force: bool(read, 'force', false),
    onUnknown: parseOnUnknown("input 'on-unknown'", read('on-unknown')),
    requirePublic: bool(read, 'require-public', false),
    platforms: platformsInput(platforms),
    cache: parseCacheBackend("input 'cache'", read('cache')),
    cacheScope: optional(read, 'cache-scope') ?? 'imagespec',
    builder: optional(read, 'builder'),
    username,
    password,
    githubToken,
    provenance: parseProvenance("input 'provenance'", read('provenance')),
    sbom: bool(read, 'sbom', false),
    extraTags: checkedList(read, 'extra-tags', extraTagProblem),
    labels: labelsInput(read('labels')),
    summary: bool(read, 'summary', true),
    insecureRegistries: checkedList(read, 'insecure-registries', registryHostProblem),
    buildkitdConfig: optional(read, 'buildkitd-config'),
    buildkitdConfigInline: optional(read, 'buildkitd-config-inline'),
    mountCache: bool(read, 'mount-cache', true),
    mountCacheBudget: size(read, 'mount-cache-budget', '2GiB'),
    mountCacheImage: optional(read, 'mount-cache-image') ?? 'debian:bookworm-slim',
  };
}
