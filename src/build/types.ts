import type { CredentialOptions } from '../registry/credentials.js';

import type { CacheBackend, Provenance } from '../choices.js';

export type { CacheBackend } from '../choices.js';

/** Everything the build stage needs besides the BuildContext: one typed settings object. */
export interface BuildOptions {
  /** Push to the registry (only when the image has one); otherwise load into the local engine. */
  push: boolean;
  cache: CacheBackend;
  /** Prefix of cache scopes (gha) / tags (registry) / directories (local); default `imagespec-`. */
  cachePrefix?: string;
  /** Directory for `cache: local`. */
  cacheDir?: string;
  /** `min` (default), `max`, or `false`. */
  provenance?: Provenance;
  sbom?: boolean;
  /** Labels added to every image (the action's `labels` input), besides the spec's own. */
  labels?: Record<string, string>;
  /** GitHub token for the gha cache's key listing through the GitHub API (masked; see cache.ts). */
  githubToken?: string;
  /** Builder name (`builder` input, or the one docker/setup-buildx-action created). */
  builder?: string;
  /** Overrides `builder_options.network`. */
  network?: string;
  credentials?: CredentialOptions;
  /**
   * Registries reached over plain HTTP (`host[:port]`): written into the buildkitd config of the
   * docker-container builder the build creates when it needs one.
   */
  insecure?: readonly string[];
  /**
   * The user's BuildKit configuration (buildkitd.toml, already merged with `insecure` and with absolute file
   * paths; src/buildkitd/config.ts) for the docker-container builder the build creates when it needs one.
   */
  buildkitdConfig?: string;
  env?: NodeJS.ProcessEnv;
  log?: BuildLog;
  /**
   * Asked after the image is built and right before it is pushed: true when its tag is in the registry by
   * now (a concurrent run pushed it), and this run then leaves the tag alone. Without it, a push is one run.
   */
  beforePush?: () => Promise<boolean>;
  /**
   * With `beforePush`: push under the staging tag (`REPOSITORY:TAG-staging`), for the caller to write the content
   * tag last with src/publish/content-tag.ts.
   */
  stage?: boolean;
}

/** Where build output goes: the action passes @actions/core, the CLI writes to stderr. */
export interface BuildLog {
  info(message: string): void;
  warning(message: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  setSecret(secret: string): void;
}

/** What happened to the cache of one build. */
export interface CacheReport {
  backend: CacheBackend;
  /** Whether an export was seen in the build log (undefined when none was asked for). */
  exported?: boolean;
  /** Steps answered from cache / all steps that ran. */
  cachedSteps: number;
  totalSteps: number;
  /** Steps using a BuildKit cache mount, and those of them that ran (not answered from cache). */
  mountSteps: number;
  mountStepsRun: number;
  warnings: string[];
}

/** Output of the build stage for one image. */
export interface BuildResult {
  reference: string;
  digest?: string;
  platforms: string[];
  pushed: boolean;
  /** Built, but not pushed: `beforePush` found the tag already pushed by a concurrent run. */
  concurrent?: boolean;
  /** Pushed under the staging tag (`stage`); the caller writes the content tag. */
  staged?: boolean;
  /** Builder the image was built with. */
  builder: string;
  cache: CacheReport;
  warnings: string[];
}
