/**
 * The BuildKit daemon configuration (buildkitd.toml) of the docker-container builder the action creates, and
 * the certificate authorities it names, which the action's own registry checks trust too.
 *
 * The user's configuration (the `buildkitd-config` file or `buildkitd-config-inline` TOML, as
 * docker/setup-buildx-action takes them) is parsed with smol-toml and merged with `insecure-registries`: each
 * insecure host gets `http = true` and `insecure = true` unless its table sets them. Paths of `ca` and
 * `keypair` files are resolved against the workspace and must be readable; `docker buildx create
 * --buildkitd-config` then copies them into the builder under /etc/buildkit/certs/<host>/ and rewrites the
 * paths (buildx's confutil.LoadConfigFiles), so the files only need to exist while the builder is created.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify, TomlError } from 'smol-toml';
import { UserError, errorMessage } from '../errors.js';

export interface BuildkitdConfigSource {
  /** A buildkitd.toml file (relative to `baseDir`). */
  file?: string;
  /** buildkitd.toml content. */
  inline?: string;
  /** Registries reached over plain HTTP (`host[:port]`, an `http://` prefix allowed). */
  insecure?: readonly string[];
  /** Directory relative paths resolve against (the workspace). */
  baseDir: string;
  /** How the user gave the configuration, for messages: e.g. `input 'buildkitd-config'`, `--buildkitd-config`. */
  names?: { file: string; inline: string };
}

export interface BuildkitdConfig {
  /** The merged buildkitd.toml, with absolute file paths; empty when there is nothing to configure. */
  toml: string;
  /** PEM certificate authorities per registry host, read from the `ca` files. */
  ca: Record<string, string[]>;
}

const DEFAULT_NAMES = { file: "input 'buildkitd-config'", inline: "input 'buildkitd-config-inline'" };

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `host[:port]` of an insecure-registries entry. */
export function registryHost(entry: string): string {
  return entry
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '');
}

function parseToml(text: string, where: string): Table {
  try {
    return parse(text) as Table;
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0];
      throw new UserError(
        `${where}:${err.line}:${err.column}: not valid TOML: ${first}; see https://docs.docker.com/build/buildkit/toml-configuration/`,
      );
    }
    throw new UserError(`${where}: not valid TOML: ${errorMessage(err)}`);
  }
}

/** Reads the user's configuration (if any) and merges the insecure registries into it. */
export async function loadBuildkitdConfig(src: BuildkitdConfigSource): Promise<BuildkitdConfig> {
  const names = src.names ?? DEFAULT_NAMES;
  if (src.file && src.inline) {
    throw new UserError(`${names.file} and ${names.inline} are both set; give the configuration once`);
  }
  let conf: Table = {};
  let where = '';
  if (src.file) {
    const file = path.resolve(src.baseDir, src.file);
    where = `${names.file} (${file})`;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UserError(`${where}: cannot read the file: ${errorMessage(err)}`);
    }
    conf = parseToml(text, file);
  } else if (src.inline?.trim()) {
    where = names.inline;
    conf = parseToml(src.inline, names.inline);
  }

  const registry: Table = conf.registry === undefined ? {} : (conf.registry as Table);
  if (!isTable(registry))
    throw new UserError(`${where}: 'registry' must be a table of [registry."HOST"] tables`);
  const ca: Record<string, string[]> = {};
  for (const [host, table] of Object.entries(registry)) {
    if (!isTable(table)) {
      throw new UserError(
        `${where}: registry."${host}" must be a table, e.g. [registry."${host}"] with ca = ["ca.pem"]`,
      );
    }
    const files = async (key: string, list: unknown): Promise<string[]> => {
      if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
        throw new UserError(
          `${where}: registry."${host}".${key} must be a list of file paths, e.g. ${key} = ["certs/ca.pem"]`,
        );
      }
      return list.map((p) => path.resolve(src.baseDir, p));
    };
    if (table.ca !== undefined) {
      table.ca = await files('ca', table.ca);
      ca[host] = await Promise.all(
        (table.ca as string[]).map(async (file) => {
          const pem = await readFile(file, 'utf8').catch((err: unknown) => {
            throw new UserError(`${where}: registry."${host}".ca: cannot read ${file}: ${errorMessage(err)}`);
          });
          if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
            throw new UserError(
              `${where}: registry."${host}".ca: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
            );
          }
          return pem;
        }),
      );
    }
    if (table.keypair !== undefined) {
      const pairs = Array.isArray(table.keypair) ? table.keypair : [table.keypair];
      for (const pair of pairs) {
        if (!isTable(pair))
          throw new UserError(
            `${where}: registry."${host}".keypair entries must be tables with key and cert`,
          );
        for (const key of ['key', 'cert'] as const) {
          if (pair[key] === undefined) continue;
          const [file] = await files(`keypair.${key}`, [pair[key]]);
          await readFile(file!).catch((err: unknown) => {
            throw new UserError(
              `${where}: registry."${host}".keypair.${key}: cannot read ${file}: ${errorMessage(err)}`,
            );
          });
          pair[key] = file;
        }
      }
      table.keypair = pairs;
    }
  }
  for (const entry of src.insecure ?? []) {
    const host = registryHost(entry);
    if (!host) continue;
    const table = (registry[host] ?? {}) as Table;
    registry[host] = { http: true, insecure: true, ...table };
  }
  if (Object.keys(registry).length > 0) conf.registry = registry;
  return { toml: Object.keys(conf).length > 0 ? `${stringify(conf)}\n` : '', ca };
}
