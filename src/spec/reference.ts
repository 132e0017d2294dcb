/**
 * Image reference grammar (distribution/reference) and platform strings, for validating spec values.
 * Kept to what validation needs: is this a well-formed reference / repository / platform.
 */

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const NAME_RE = new RegExp(`^${NAME}$`);
const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
export const TAG_RE = new RegExp(`^${TAG}$`);

/** True if `name` is a repository name (`[domain/]path`), e.g. `ghcr.io/org/app`, `localhost:5000/app`. */
export function isRepositoryName(name: string): boolean {
  return name.length <= 255 && NAME_RE.test(name);
}

/** True if `ref` is `name[:tag][@digest]`. */
export function isImageReference(ref: string): boolean {
  const m = REFERENCE_RE.exec(ref);
  return m !== null && (m[1] ?? '').length <= 255;
}

/** True for a bare name such as `base` (no registry, no tag, no digest) that could mean an image key. */
export function isBareName(ref: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ref) && !ref.includes(':');
}

export const KNOWN_OS = [
  'linux',
  'windows',
  'darwin',
  'freebsd',
  'netbsd',
  'openbsd',
  'solaris',
  'illumos',
  'aix',
];
export const KNOWN_ARCH: Record<string, string[]> = {
  amd64: ['v1', 'v2', 'v3', 'v4'],
  arm64: ['v8', 'v9'],
  arm: ['v5', 'v6', 'v7', 'v8'],
  '386': [],
  ppc64le: [],
  ppc64: [],
  s390x: [],
  riscv64: [],
  mips64le: [],
  mips64: [],
  mipsle: [],
  mips: [],
  loong64: [],
};
/** Common platforms, for suggestions. */
export const COMMON_PLATFORMS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/v7',
  'linux/arm/v6',
  'linux/386',
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
  'windows/amd64',
];

/** Why a single platform (`os/arch[/variant]`) is not valid, or undefined when it is. */
export function platformProblem(platform: string): string | undefined {
  const [os, arch, variant, ...rest] = platform.split('/');
  if (rest.length > 0 || !os || !arch) return 'is not OS/ARCH[/VARIANT]';
  if (!KNOWN_OS.includes(os)) return `has an unknown OS "${os}"`;
  const variants = KNOWN_ARCH[arch];
  if (!variants) return `has an unknown architecture "${arch}"`;
  if (variant !== undefined && !variants.includes(variant))
    return `has an unknown variant "${variant}" for ${arch}`;
  return undefined;
}
