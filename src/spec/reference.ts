/** Validation helpers for image references and platforms, on top of src/registry's parsers. */
import { errorMessage } from '../errors.js';
import { parsePlatform } from '../registry/platform.js';
import { parseReference } from '../registry/reference.js';

/** Why `ref` is not a valid `name[:tag][@digest]` reference, or undefined when it is. */
export function referenceProblem(ref: string): string | undefined {
  try {
    parseReference(ref);
    return undefined;
  } catch (err) {
    return errorMessage(err).replace(/^invalid image reference '[^']*': /, '');
  }
}

/** True for a bare name such as `base` (no registry, no tag, no digest) that could mean an image key. */
export function isBareName(ref: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ref);
}

/** A tag: what `tag_format` must produce. */
export const TAG_RE = /^[\w][\w.-]{0,127}$/;

const KNOWN_OS = ['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix'];
const KNOWN_ARCH: Record<string, string[]> = {
  amd64: ['v2', 'v3', 'v4'],
  arm64: ['v9'],
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

/** Why a single platform (`os/arch[/variant]`, aliases such as x86_64 allowed) is not valid, or undefined. */
export function platformProblem(platform: string): string | undefined {
  const parts = platform.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) return 'is not OS/ARCH[/VARIANT]';
  const p = parsePlatform(platform);
  if (!KNOWN_OS.includes(p.os)) return `has an unknown OS "${p.os}"`;
  const variants = KNOWN_ARCH[p.architecture];
  if (!variants) return `has an unknown architecture "${p.architecture}"`;
  if (p.variant !== undefined && !variants.includes(p.variant)) {
    return `has an unknown variant "${p.variant}" for ${p.architecture}`;
  }
  return undefined;
}
