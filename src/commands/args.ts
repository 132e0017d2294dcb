import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UserError } from '../errors.js';
import type { Flavor } from '../spec/types.js';

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
  const flavor = (values as { flavor?: string }).flavor ?? 'generic';
  if (flavor !== 'generic' && flavor !== 'flyte') {
    throw new UserError(`${command}: --flavor must be 'generic' or 'flyte', not '${flavor}'`);
  }
  return { spec: positionals[0]!, flavor: flavor as Flavor, values };
}

export interface HashArgs {
  spec: string;
  flavor: Flavor;
  image?: string;
  registry?: string;
}

/** Parses the arguments of the commands that take only the spec options (tag, explain, render, plan). */
export function parseHashArgs(command: string, args: string[], usage: string): HashArgs {
  const { spec, flavor, values } = parseSpecArgs(command, args, usage, {});
  const out: HashArgs = { spec, flavor };
  if (values.image !== undefined) out.image = values.image;
  if (values.registry !== undefined) {
    if (values.registry === '')
      throw new UserError(`${command}: --registry needs a value, e.g. --registry ghcr.io/acme`);
    out.registry = values.registry;
  }
  return out;
}
