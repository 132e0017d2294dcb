/**
 * The rules for values that come from outside the spec file (the action's inputs, the CLI's options) but
 * decide what is built: the spec path, platform lists, extra tags, insecure registries and labels. Checked
 * before anything runs, with the same rules the spec's own fields follow.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { parseReference } from '../registry/reference.js';
import { excerpt } from './excerpt.js';
import { COMMON_PLATFORMS, TAG_RE, platformProblem, referenceProblem } from './reference.js';
import { didYouMean } from './suggest.js';

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The spec file's absolute path, when `input` (relative to the workspace, or absolute) stays inside the
 * workspace both as written and after resolving symbolic links. Outside it the run stops before the file
 * is read: a workflow input must not make the action read (and quote) files from elsewhere on the runner.
 * A missing file is left to the spec loader, which says so.
 */
export async function specInWorkspace(
  workspace: string,
  input: string,
  name = "input 'spec'",
): Promise<string> {
  const root = resolve(workspace);
  const abs = resolve(root, input);
  const realRoot = await realpath(root).catch(() => root);
  const real = await realpath(abs).catch(() => undefined);
  if (!inside(root, abs) || (real !== undefined && !inside(realRoot, real))) {
    throw new UserError(
      `${name} is ${excerpt(input)}, which ${real && real !== abs ? `resolves to ${excerpt(real, 400)}, ` : ''}outside ` +
        `the workspace ${root}; give the path of the spec file inside the repository, relative to the workspace`,
    );
  }
  return abs;
}

/** Why a list of platforms is not valid (the spec's `platform` rules: OS/ARCH[/VARIANT], each once), or undefined. */
export function platformsProblem(platforms: readonly string[]): string | undefined {
  if (platforms.length === 0) return 'is empty; give at least one platform, e.g. linux/amd64';
  const seen = new Set<string>();
  for (const platform of platforms) {
    const problem = platformProblem(platform);
    if (problem) return `${excerpt(platform)} ${problem}${didYouMean(platform, COMMON_PLATFORMS)}`;
    if (seen.has(platform)) return `lists ${excerpt(platform)} twice; remove one`;
    seen.add(platform);
  }
  return undefined;
}

/** Why an extra tag (a bare TAG, or REPOSITORY:TAG) cannot be added, or undefined. */
export function extraTagProblem(tag: string): string | undefined {
  if (!tag.includes(':') && !tag.includes('/')) {
    return TAG_RE.test(tag)
      ? undefined
      : `${excerpt(tag)} is not a valid tag (letters, digits, _ . -, not starting with . or -, at most 128)`;
  }
  const problem = referenceProblem(tag);
  if (problem) return `${excerpt(tag)} is not a valid image reference (${problem})`;
  const ref = parseReference(tag);
  if (ref.digest) return `${excerpt(tag)} is a digest reference; give a tag`;
  if (!ref.tag) return `${excerpt(tag)} names no tag; write REPOSITORY:TAG or a bare TAG`;
  return undefined;
}

/** Why an insecure-registry entry is not a `host[:port]`, or undefined. */
export function registryHostProblem(host: string): string | undefined {
  if (
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$/.test(
      host,
    )
  )
    return undefined;
  if (/^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$/.test(host)) return undefined;
  return `${excerpt(host)} is not a registry host; write HOST or HOST:PORT (no scheme, no path), e.g. registry.local:5000`;
}

/** Why a label (from the `labels` input) cannot be set, or undefined. */
export function labelProblem(key: string, value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/;
  if (key === '' || /\s/.test(key) || control.test(key) || key.includes('='))
    return `key ${excerpt(key)} is not a label key; use letters, digits and . _ / - (no spaces or =)`;
  if (control.test(value))
    return `value of ${excerpt(key)} contains a control character; write it on one line`;
  return undefined;
}
