import { createHash } from 'node:crypto';

/** A BuildKit cache mount of a generated Dockerfile (`RUN --mount=type=cache,id=…,target=…`). */
export interface CacheMount {
  id: string;
  target: string;
}

/** Where one cache mount's content is kept between CI runs. */
export interface MountCacheKey {
  mount: CacheMount;
  /** Exact key: image, platforms, mount id and a hash of what fills the mount. */
  key: string;
  /** Fallbacks, newest entry first: the same image and mount with any fill. */
  restoreKeys: string[];
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Keys for one mount. `fill` is whatever decides the mount's content (package lists, lock or requirements
 * digests); a change gives a new exact key while the restore key still finds the previous entry, so only
 * the new downloads are made.
 */
export function mountCacheKey(
  image: string,
  platforms: string[],
  mount: CacheMount,
  fill: string,
): MountCacheKey {
  const prefix = `imagespec-mount-${slug(image)}-${slug(platforms.join('+'))}-${slug(mount.id)}-`;
  const digest = createHash('sha256').update(fill).digest('hex').slice(0, 32);
  return { mount, key: `${prefix}${digest}`, restoreKeys: [prefix] };
}
