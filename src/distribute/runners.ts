/**
 * Which runner builds which platform: `default=ubuntu-24.04,linux/arm64=ubuntu-24.04-arm`. A platform named in
 * the map runs natively on its runner; every other platform runs on the `default` runner, which is taken to be
 * a linux/amd64 machine (as GitHub's `ubuntu-*` labels are), so any other architecture builds there under QEMU.
 */
import { UserError } from '../errors.js';
import { formatPlatform, parsePlatform } from '../registry/platform.js';

export const DEFAULT_RUNNERS = 'default=ubuntu-24.04,linux/arm64=ubuntu-24.04-arm';
/** The architecture of the `default` runner. */
const DEFAULT_RUNNER_PLATFORM = 'linux/amd64';

export interface RunnerMap {
  default: string;
  /** Normalized platform (`linux/arm64`) → runner label. */
  byPlatform: ReadonlyMap<string, string>;
}

export interface RunnerChoice {
  runner: string;
  /** The runner's own architecture differs from the platform: the leg needs QEMU. */
  qemu: boolean;
}

/** A runner label as `runs-on` takes it: no spaces, quotes or expressions. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._/:-]*$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

/** Normalized text of a platform (`linux/aarch64` → `linux/arm64`). */
export function platformKey(platform: string): string {
  return formatPlatform(parsePlatform(platform));
}

/**
 * Parses `KEY=LABEL` items, comma-separated or one per line; KEY is `default` or a platform. `source` names the
 * input or option in errors.
 */
export function parseRunners(text: string, source = '--runners'): RunnerMap {
  const byPlatform = new Map<string, string>();
  let fallback: string | undefined;
  const items = text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? '' : item.slice(0, eq).trim();
    const label = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (!key || !label) {
      throw new UserError(
        `${source}: '${item}' is not KEY=RUNNER; write e.g. ${DEFAULT_RUNNERS} (KEY is 'default' or a platform)`,
      );
    }
    if (!LABEL.test(label)) {
      throw new UserError(
        `${source}: runner '${label}' for ${key} is not a runner label (letters, digits, . _ / : -)`,
      );
    }
    if (key === 'default') {
      fallback = label;
      continue;
    }
    if (!PLATFORM.test(key.toLowerCase())) {
      throw new UserError(
        `${source}: '${key}' is not a platform (os/arch[/variant], e.g. linux/arm64) or 'default'`,
      );
    }
    const norm = platformKey(key);
    if (byPlatform.has(norm)) throw new UserError(`${source}: ${norm} is given twice`);
    byPlatform.set(norm, label);
  }
  return { default: fallback ?? 'ubuntu-24.04', byPlatform };
}

/** The runner for a platform, and whether it builds there under QEMU. */
export function runnerFor(map: RunnerMap, platform: string): RunnerChoice {
  const key = platformKey(platform);
  const native = map.byPlatform.get(key);
  if (native) return { runner: native, qemu: false };
  return { runner: map.default, qemu: key !== DEFAULT_RUNNER_PLATFORM };
}
