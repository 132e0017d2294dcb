/**
 * Platforms (`os/arch[/variant]`) compared the way containerd normalizes them, so `linux/arm64`
 * matches an index entry `linux/arm64/v8` and `linux/arm` matches `linux/arm/v7`.
 */

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Parse `linux/amd64`, `linux/arm64/v8`, ... and normalize aliases (aarch64, x86_64, armhf). */
export function parsePlatform(text: string): Platform {
  const [os = '', architecture = '', variant] = text.trim().toLowerCase().split('/');
  return normalizePlatform({ os, architecture, ...(variant ? { variant } : {}) });
}

export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let arch = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() ?? '';
  switch (arch) {
    case 'x86_64':
    case 'x86-64':
      arch = 'amd64';
      variant = variant === 'v1' ? '' : variant;
      break;
    case 'amd64':
      variant = variant === 'v1' ? '' : variant;
      break;
    case 'aarch64':
    case 'arm64':
      arch = 'arm64';
      if (['8', 'v8', 'v8.0'].includes(variant)) variant = '';
      break;
    case 'armhf':
      arch = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      arch = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (/^[568]$/.test(variant)) variant = `v${variant}`;
      break;
    case 'i386':
      arch = '386';
      break;
  }
  return variant ? { os, architecture: arch, variant } : { os, architecture: arch };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export function samePlatform(a: Platform, b: Platform): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture && (x.variant ?? '') === (y.variant ?? '');
}

/** The requested platforms (as written) that none of `available` provides. */
export function absentPlatforms(requested: readonly string[], available: readonly Platform[]): string[] {
  return requested.filter((r) => !available.some((a) => samePlatform(parsePlatform(r), a)));
}
