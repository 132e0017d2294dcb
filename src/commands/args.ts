import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UserError } from '../errors.js';
import { platformsProblem } from '../spec/inputs.js';
import { parseFlavor, type Flavor } from '../choices.js';

/** The options every command that reads a spec file takes. */
const SPEC_OPTIONS = {
  flavor: { type: 'string' },
  image: { type: 'string' },
  registry: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

/**
 * Parses `[OPTIONS] SPEC`: the spec options (--flavor, --image, --registry) and the command's `extra`
 * ones, exactly one spec file, and --flavor generic (the default) or flyte. Mistakes are UserErrors that
 * name the command and end with `usage`.
 */
export function parseSpecArgs<T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  usage: string,
  extra: T,
) {
  const options = { ...SPEC_OPTIONS, ...extra };
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options });
  } catch (err) {
    throw new UserError(`${command}: ${(err as Error).message.split('\n')[0]}; ${usage}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UserError(`${command}: give one spec file; ${usage}`);
  const flavor: Flavor = parseFlavor(`${command}: --flavor`, (values as { flavor?: string }).flavor);
  return { spec: positionals[0]!, flavor, values };
}

/** `--insecure-registry HOST[:PORT]`, repeatable: registries reached over plain HTTP (plan and build). */
export const INSECURE_OPTION = {
  'insecure-registry': { type: 'string', multiple: true },
  /** A buildkitd.toml: its `[registry."host"] ca` files are trusted by the registry checks (and given to a created builder). */
  'buildkitd-config': { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

/**
 * `--buildkitd-config FILE` merged with the insecure registries: the created builder's configuration and the
 * CAs the registry checks trust (undefined without the option; loaded only then).
 */
export async function buildkitdOption(
  values: { 'buildkitd-config'?: string },
  insecure: readonly string[],
): Promise<{ toml: string; ca: Record<string, string[]> } | undefined> {
  const file = values['buildkitd-config'];
  if (file === undefined) return undefined;
  const { loadBuildkitdConfig } = await import('../buildkitd/config.js');
  return loadBuildkitdConfig({
    file,
    insecure,
    baseDir: process.cwd(),
    names: { file: '--buildkitd-config', inline: '--buildkitd-config' },
  });
}

/** The `--insecure-registry` values, checked: each names a host (with an optional port). */
export function insecureRegistries(command: string, values: { 'insecure-registry'?: string[] }): string[] {
  const hosts = values['insecure-registry'] ?? [];
  for (const h of hosts) {
    if (!/^(https?:\/\/)?[A-Za-z0-9.[\]:-]+\/?$/.test(h.trim())) {
      throw new UserError(
        `${command}: --insecure-registry needs a registry host, optionally with a port (e.g. --insecure-registry localhost:5000), not '${h}'`,
      );
    }
  }
  return hosts.map((h) => h.trim());
}

/** `--platforms P,...`, checked with the spec's `platform` rules before anything runs. */
export function platformsOption(command: string, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const list = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const problem = platformsProblem(list);
  if (problem) throw new UserError(`${command}: --platforms ${problem}`);
  return list;
}

export interface HashArgs {
  spec: string;
  flavor: Flavor;
  image?: string;
  registry?: string;
  /** `--insecure-registry` values (only for commands that talk to registries). */
  insecure?: string[];
  /** `--buildkitd-config FILE` (only for commands that talk to registries). */
  buildkitdConfig?: string;
}

/**
 * Parses the arguments of the commands that take only the spec options (tag, explain, render, plan), and
 * `--insecure-registry` for those that ask a registry (`withInsecure`).
 */
export function parseHashArgs(
  command: string,
  args: string[],
  usage: string,
  withInsecure = false,
): HashArgs {
  const { spec, flavor, values } = parseSpecArgs(command, args, usage, withInsecure ? INSECURE_OPTION : {});
  const out: HashArgs = { spec, flavor };
  if (withInsecure) {
    out.insecure = insecureRegistries(command, values as { 'insecure-registry'?: string[] });
    const file = (values as { 'buildkitd-config'?: string })['buildkitd-config'];
    if (file !== undefined) out.buildkitdConfig = file;
  }
  if (values.image !== undefined) out.image = values.image;
  if (values.registry !== undefined) {
    if (values.registry === '')
      throw new UserError(`${command}: --registry needs a value, e.g. --registry ghcr.io/acme`);
    out.registry = values.registry;
  }
  return out;
}
