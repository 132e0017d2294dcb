/**
 * The stages wired once, for the action and the CLI alike (see docs/architecture.md).
 * Plan: load the spec → hash every image → ask the registry whether each tag exists (bounded concurrency).
 */
import pLimit from 'p-limit';
import { UserError } from './errors.js';
import { planImages, type PlanImagesOptions } from './hash/index.js';
import {
  RegistryClient,
  checkOrUnknown,
  type RegistryCheck,
  type RegistryOptions,
} from './registry/index.js';
import { loadSpecFile, type SpecMode } from './spec/index.js';
import type { ImageSpec, PlannedImage, SpecFile } from './spec/types.js';

/** An image with the registry's answer about its tag. */
export interface PlanEntry {
  planned: PlannedImage;
  existence: RegistryCheck;
}

export interface TagOptions extends PlanImagesOptions {
  /** Only this image (its key in `images:`, or its name); see `withParents`. */
  image?: string;
  /** Also plan the images the selected one builds on (what a build needs). */
  withParents?: boolean;
  /** Replaces every image's `platform` (and so its tag). */
  platforms?: string[];
  /**
   * How strictly the spec is checked: `strict` (default, for plan and build) or `hash` (tag and explain:
   * every spec flytekit accepts gets its tag, even one a build would refuse).
   */
  mode?: SpecMode;
}

export interface PlanOptions extends TagOptions {
  registryOptions?: RegistryOptions;
  /** Existence checks in flight at once. */
  concurrency?: number;
}

/** The planned images to show: all, or the one `image` names (by id or by name). */
export function selectImage(planned: PlannedImage[], image: string | undefined): PlannedImage[] {
  if (image === undefined) return planned;
  const hit = planned.filter((p) => p.spec.id === image || p.spec.name === image.toLowerCase());
  if (hit.length === 0) {
    const names = planned.map((p) => p.spec.id).join(', ');
    throw new UserError(`--image ${image}: no such image in the spec file; it has: ${names}`);
  }
  return hit.slice(0, 1);
}

/** The selected image and every image it builds on, in build order. */
export function selectWithParents(planned: PlannedImage[], image: string | undefined): PlannedImage[] {
  if (image === undefined) return planned;
  const wanted = new Set<string>();
  for (let id = selectImage(planned, image)[0]?.spec.id; id;) {
    wanted.add(id);
    id = planned.find((p) => p.spec.id === id)?.spec.base_image_of;
  }
  return planned.filter((p) => wanted.has(p.spec.id));
}

/** Replaces the platform of every image, as if the spec said so (the platform is part of the tag). */
export function overridePlatforms(file: SpecFile, platforms: string[] | undefined): SpecFile {
  if (!platforms || platforms.length === 0) return file;
  const platform = platforms.join(',');
  const images = file.images.map((spec): ImageSpec => ({
    ...spec,
    platform,
    raw: new Map([...spec.raw, ['platform', platform]]),
  }));
  return { ...file, images };
}

/** Load → hash: the content-tagged images of a spec file, in build order. */
export async function planTags(specPath: string, opts: TagOptions): Promise<PlannedImage[]> {
  const file = overridePlatforms(
    await loadSpecFile(specPath, { mode: opts.mode ?? 'strict', flavor: opts.flavor }),
    opts.platforms,
  );
  const hashOpts: PlanImagesOptions = { flavor: opts.flavor };
  if (opts.registry !== undefined) hashOpts.registry = opts.registry;
  const all = await planImages(file, hashOpts);
  return opts.withParents ? selectWithParents(all, opts.image) : selectImage(all, opts.image);
}

export const DEFAULT_CONCURRENCY = 4;

/** Ask the registry about every planned image, a few at a time; results keep the build order. */
export async function checkPlanned(
  planned: readonly PlannedImage[],
  client: RegistryClient,
  concurrency: number = DEFAULT_CONCURRENCY,
): Promise<PlanEntry[]> {
  const limit = pLimit(Math.max(1, concurrency));
  return Promise.all(
    planned.map((p) => limit(async () => ({ planned: p, existence: await checkOne(client, p) }))),
  );
}

async function checkOne(client: RegistryClient, p: PlannedImage): Promise<RegistryCheck> {
  if (!p.registry) {
    return {
      state: 'unknown',
      cause: 'no-registry',
      reason:
        "no registry is set, so there is nothing to look up; set 'registry' in the spec or pass --registry",
    };
  }
  return checkOrUnknown(client, p.reference, p.platforms);
}

/** The plan stage: load → hash → check existence. */
export async function planStage(specPath: string, opts: PlanOptions): Promise<PlanEntry[]> {
  const planned = await planTags(specPath, opts);
  return checkPlanned(planned, new RegistryClient(opts.registryOptions), opts.concurrency);
}
