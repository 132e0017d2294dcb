/**
 * Where a leg (one image built for one platform on its own runner) pushes its image: a tag derived from the
 * content tag and the platform, in the image's own repository (`repo:TAG-linux-arm64`). Merge finds the legs
 * there without digests passed between jobs (matrix legs cannot each set job outputs), and the `docker`
 * buildx driver cannot push by digest on either image store, so a tag is what every builder can do. The
 * tag is derived from the content tag, so a leg pushed by an interrupted run is still the right image for a
 * later run of the same spec.
 */
import { createHash } from 'node:crypto';
import type { PlannedImage } from '../spec/types.js';
import { platformKey } from './runners.js';

/** Longest tag a registry accepts (distribution reference grammar). */
const MAX_TAG = 128;

/** `linux/arm64/v8` → `linux-arm64-v8` (normalized first, so aliases give one tag). */
export function platformSlug(platform: string): string {
  return platformKey(platform).replace(/\//g, '-');
}

/** The tag a leg pushes: `<content tag>-<platform slug>`, shortened with a hash when it would be too long. */
export function legTag(contentTag: string, platform: string): string {
  const slug = platformSlug(platform);
  const tag = `${contentTag}-${slug}`;
  if (tag.length <= MAX_TAG) return tag;
  const digest = createHash('sha256').update(contentTag).digest('hex').slice(0, 16);
  return `${contentTag.slice(0, MAX_TAG - slug.length - digest.length - 2)}-${digest}-${slug}`;
}

/** Full reference of a leg's image. */
export function legReference(planned: Pick<PlannedImage, 'repository' | 'tag'>, platform: string): string {
  return `${planned.repository}:${legTag(planned.tag, platform)}`;
}

/**
 * The planned image a leg builds: the same spec, content tag and parent (a child starts from its parent's
 * content reference, which merge has made a multi-platform index), one platform, pushed to the leg's tag.
 * The cache scope follows `platforms`, so each image and platform keeps its own cache.
 */
export function legImage(planned: PlannedImage, platform: string): PlannedImage {
  return { ...planned, platforms: [platform], reference: legReference(planned, platform) };
}
