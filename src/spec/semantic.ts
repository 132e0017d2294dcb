/** Checks beyond the JSON Schema: keys YAML typed as non-strings, files on disk, references, formats. */
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SpecDocument } from './load.js';
import { childPath } from './load.js';
import { field, specPath, type ImageContext, type ImageSource } from './image.js';
import { COMMON_PLATFORMS, TAG_RE, isBareName, referenceProblem, platformProblem } from './reference.js';
import type { SpecMode } from './schema.js';
import { didYouMean } from './suggest.js';
import type { Diagnostic, PyValue, SourcePos } from './types.js';
import { displayValue, pyTypeName } from './yaml11.js';

/**
 * Mapping keys that YAML typed as something other than a string (`on:` is True, `1:` is 1).
 * With `fieldsOnly`, only keys of the document, of `images:` and of an image (the ones Python passes as
 * keywords to `ImageSpec(**d)`, which must be strings); keys inside field values such as `env` are
 * left to the field.
 */
export function keyDiagnostics(doc: SpecDocument, fieldsOnly = false): Diagnostic[] {
  const structural = (path: string): boolean =>
    path === '' || path === 'images' || /^images(\.[A-Za-z_][A-Za-z0-9_-]*|\[[^\]]*\])$/.test(path);
  const out: Diagnostic[] = [];
  const walk = (value: PyValue, path: string, freeForm: boolean): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, childPath(path, i), freeForm));
      return;
    }
    if (value === null || typeof value !== 'object' || value.type !== 'dict') return;
    for (const [k, v] of value.entries) {
      if (typeof k === 'string' && k.startsWith('x-')) continue; // ignored anchor/notes fields
      const p = childPath(path, k);
      if (typeof k !== 'string' && !freeForm && (!fieldsOnly || structural(path))) {
        const node = doc.nodes.get(p);
        const at = node?.keyPos ??
          node?.pos ??
          doc.nodes.get(path)?.pos ?? { file: doc.file, line: 1, col: 1 };
        out.push({
          file: at.file,
          line: at.line,
          col: at.col,
          path: p,
          message: keyMessage(k, node?.keyText),
        });
      }
      // builder_options values are free-form Python values (Dict[str, Any]).
      walk(v, p, freeForm || /(^|\.)builder_options$/.test(path));
    }
  };
  walk(doc.value, '', false);
  return out;
}

function keyMessage(key: PyValue, text: string | undefined): string {
  const written = text ?? displayValue(key);
  const reads =
    typeof key === 'boolean'
      ? `the boolean ${displayValue(key)}`
      : key === null
        ? 'null'
        : displayValue(key) === written
          ? pyTypeName(key)
          : `${pyTypeName(key)} (${displayValue(key)})`;
  return `key ${written} reads as ${reads}, not a string; quote it: "${written}"`;
}

interface Ctx extends ImageContext {
  out: Diagnostic[];
  failed: ReadonlySet<string>;
}

function report(ctx: Ctx, at: SourcePos, path: string, message: string): void {
  ctx.out.push({ file: at.file, line: at.line, col: at.col, path, message });
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Check a path field: it exists, has the right kind, and resolves (symlinks included) inside the repository. */
async function checkPath(
  ctx: Ctx,
  path: string,
  written: string,
  kind: 'file' | 'directory' | 'any',
  contained = true,
): Promise<boolean> {
  const at = ctx.doc.nodes.get(path)?.pos ?? { file: ctx.doc.file, line: 1, col: 1 };
  const abs = specPath(ctx.dir, written);
  try {
    await lstat(abs);
  } catch {
    report(
      ctx,
      at,
      path,
      `${path} ${JSON.stringify(written)} does not exist; paths are relative to the spec file's directory`,
    );
    return false;
  }
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    report(
      ctx,
      at,
      path,
      `${path} ${JSON.stringify(written)} is a broken symbolic link; point it at an existing file or remove it`,
    );
    return false;
  }
  if (contained && !isInside(ctx.root, real)) {
    report(
      ctx,
      at,
      path,
      `${path} ${JSON.stringify(written)} resolves outside the repository (${real}); keep referenced files inside ${ctx.root}`,
    );
    return false;
  }
  const st = await stat(real);
  if (kind === 'file' && !st.isFile()) {
    report(
      ctx,
      at,
      path,
      `${path} ${JSON.stringify(written)} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}; give a file`,
    );
    return false;
  }
  if (kind === 'directory' && !st.isDirectory()) {
    report(ctx, at, path, `${path} ${JSON.stringify(written)} is not a directory; give a directory`);
    return false;
  }
  if (kind === 'any' && !st.isDirectory() && !st.isFile()) {
    report(ctx, at, path, `${path} ${JSON.stringify(written)} is not a regular file or directory`);
    return false;
  }
  return true;
}

/** Python `str.format` fields of a template: `{spec_hash}` → ['spec_hash']; `{{` and `}}` are literal braces. */
function formatFields(template: string): { fields: string[]; broken: boolean } {
  const fields: string[] = [];
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{') {
      if (template[i + 1] === '{') {
        i++;
        continue;
      }
      const end = template.indexOf('}', i);
      if (end < 0) return { fields, broken: true };
      fields.push(template.slice(i + 1, end));
      i = end;
    } else if (c === '}') {
      if (template[i + 1] === '}') {
        i++;
        continue;
      }
      return { fields, broken: true };
    }
  }
  return { fields, broken: false };
}

async function checkImage(src: ImageSource, ctx: Ctx): Promise<void> {
  const p = (name: string) => (src.prefix ? `${src.prefix}.${name}` : name);
  const ok = (name: string): boolean => {
    const full = p(name);
    if (field(src, name) === undefined || field(src, name) === null) return false;
    for (const f of ctx.failed)
      if (f === full || f.startsWith(`${full}.`) || f.startsWith(`${full}[`)) return false;
    if (ctx.failed.has(src.prefix) && src.prefix !== '') return false;
    return true;
  };
  const at = (path: string, key = false): SourcePos => {
    const n = ctx.doc.nodes.get(path);
    return (
      (key ? n?.keyPos : undefined) ??
      n?.pos ??
      ctx.doc.nodes.get(src.prefix)?.pos ?? { file: ctx.doc.file, line: 1, col: 1 }
    );
  };
  const s = (name: string): string => field(src, name) as string;

  // Repository name: registry/name after lowercasing, as flytekit does.
  const nameOk = field(src, 'name') === undefined || ok('name');
  const registryOk =
    field(src, 'registry') === undefined || field(src, 'registry') === null || ok('registry');
  if (nameOk && registryOk) {
    const name = (
      typeof field(src, 'name') === 'string' ? s('name') : src.inMap ? src.id : 'flytekit'
    ).toLowerCase();
    const registry = typeof field(src, 'registry') === 'string' ? s('registry').toLowerCase() : undefined;
    if (field(src, 'name') === undefined && ctx.failed.has(src.prefix)) {
      // The key itself is invalid; already reported.
    } else if (field(src, 'name') === undefined && referenceProblem(name) !== undefined) {
      report(
        ctx,
        at(src.prefix, true),
        src.prefix,
        `image key ${JSON.stringify(src.id)} is used as the image name but is not a valid one; add name: with letters, digits and single . _ - separators`,
      );
    } else if (registry !== undefined) {
      const problem = referenceProblem(`${registry}/${name}`);
      if (problem !== undefined) {
        report(
          ctx,
          at(p('registry')),
          p('registry'),
          `${p('registry')} ${JSON.stringify(s('registry'))} does not form a valid image name with name ("${registry}/${name}": ${problem}); write a host[:port] and path, e.g. "ghcr.io/my-org"`,
        );
      }
    }
  }

  if (ok('tag_format')) {
    const { fields, broken } = formatFields(s('tag_format'));
    const others = fields.filter((f) => f !== 'spec_hash');
    if (broken) {
      report(
        ctx,
        at(p('tag_format')),
        p('tag_format'),
        `${p('tag_format')} has an unmatched brace; write {{ or }} for a literal brace`,
      );
    } else if (others.length > 0) {
      report(
        ctx,
        at(p('tag_format')),
        p('tag_format'),
        `${p('tag_format')} may only use {spec_hash}; {${others[0]}} is unknown (write {{ and }} for literal braces)`,
      );
    } else {
      const example = s('tag_format')
        .replace(/\{spec_hash\}/g, 'x'.repeat(22))
        .replace(/\{\{/g, '{')
        .replace(/\}\}/g, '}');
      if (!TAG_RE.test(example)) {
        report(
          ctx,
          at(p('tag_format')),
          p('tag_format'),
          `${p('tag_format')} does not give a valid tag: use letters, digits, _ . - (not starting with . or -), at most 128 characters with the 22-character hash`,
        );
      }
    }
  }

  if (ok('platform')) {
    const seen = new Set<string>();
    for (const platform of s('platform').split(',')) {
      const problem = platformProblem(platform);
      if (problem) {
        report(
          ctx,
          at(p('platform')),
          p('platform'),
          `${p('platform')} "${platform}" ${problem}${didYouMean(platform, COMMON_PLATFORMS)}`,
        );
      } else if (seen.has(platform)) {
        report(
          ctx,
          at(p('platform')),
          p('platform'),
          `${p('platform')} lists "${platform}" twice; remove one`,
        );
      }
      seen.add(platform);
    }
  }

  if (ok('base_image')) {
    const base = s('base_image');
    if (src.inMap && base === src.id) {
      report(
        ctx,
        at(p('base_image')),
        p('base_image'),
        `${p('base_image')} names this image itself; give a registry image or another image of the file`,
      );
    } else if (src.inMap && ctx.keys.has(base)) {
      // A layered build on a sibling image: ordered and cycle-checked by graph.ts.
    } else if (src.inMap && isBareName(base)) {
      const keys = [...ctx.keys];
      report(
        ctx,
        at(p('base_image')),
        p('base_image'),
        `${p('base_image')} "${base}" names no image of this file (images: ${keys.join(', ')})${didYouMean(base, keys) || ';'} for a registry image, write it with a tag, e.g. "${base}:latest"`,
      );
    } else {
      const problem = referenceProblem(base);
      if (problem !== undefined) {
        report(
          ctx,
          at(p('base_image')),
          p('base_image'),
          `${p('base_image')} ${JSON.stringify(base)} is not a valid image reference (${problem}); write NAME[:TAG][@DIGEST], e.g. "python:3.11-slim"`,
        );
      }
    }
  }

  if (ok('source_copy_mode') && field(src, 'source_root') === undefined) {
    const mode = s('source_copy_mode').toLowerCase();
    if (mode !== 'no_copy') {
      report(
        ctx,
        at(p('source_copy_mode')),
        p('source_copy_mode'),
        `${p('source_copy_mode')} needs source_root (the directory to copy from); add source_root: . or remove source_copy_mode`,
      );
    }
  }

  if (ok('requirements') && (await checkPath(ctx, p('requirements'), s('requirements'), 'file'))) {
    const lock = basename(s('requirements'));
    if (lock === 'uv.lock' || lock === 'poetry.lock') {
      const packages = field(src, 'packages');
      if (Array.isArray(packages) && packages.length > 0) {
        report(
          ctx,
          at(p('packages'), true),
          p('packages'),
          `packages cannot be combined with a ${lock} requirements file (the lock file is installed exactly); add the packages to pyproject.toml and re-lock, or use a requirements.txt`,
        );
      }
      const pyproject = join(dirname(specPath(ctx.dir, s('requirements'))), 'pyproject.toml');
      try {
        await stat(pyproject);
      } catch {
        report(
          ctx,
          at(p('requirements')),
          p('requirements'),
          `${p('requirements')} is a ${lock}, which needs a pyproject.toml next to it; add ${relative(ctx.dir, pyproject) || 'pyproject.toml'}`,
        );
      }
    }
  }

  if (ok('source_root')) await checkPath(ctx, p('source_root'), s('source_root'), 'directory');
  if (ok('dockerfile')) await checkPath(ctx, p('dockerfile'), s('dockerfile'), 'file');
  if (ok('build_context')) await checkPath(ctx, p('build_context'), s('build_context'), 'directory');
  if (ok('dockerignore')) await checkPath(ctx, p('dockerignore'), s('dockerignore'), 'file');

  if (ok('copy')) {
    const entries = field(src, 'copy') as string[];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as string;
      const path = childPath(p('copy'), i);
      if (entry === '') {
        report(ctx, at(path), path, `${path} is empty; give a file or directory relative to the spec file`);
      } else if (isAbsolute(entry)) {
        report(
          ctx,
          at(path),
          path,
          `${path} ${JSON.stringify(entry)} is absolute; give a path relative to the spec file (it is copied to /root/<path>)`,
        );
      } else if (entry.split(/[\\/]/).includes('..')) {
        report(
          ctx,
          at(path),
          path,
          `${path} ${JSON.stringify(entry)} contains ".."; copy entries must stay below the spec file's directory (it is copied to /root/<path>)`,
        );
      } else {
        await checkPath(ctx, path, entry, 'any');
      }
    }
  }

  if (ok('secrets')) {
    const seen = new Set<string>();
    (field(src, 'secrets') as PyValue[]).forEach((secret, i) => {
      if (secret === null || typeof secret !== 'object' || Array.isArray(secret) || secret.type !== 'dict')
        return;
      const id = secret.entries.find(([k]) => k === 'id')?.[1];
      if (typeof id !== 'string') return;
      const path = `${childPath(p('secrets'), i)}.id`;
      if (seen.has(id))
        report(ctx, at(path), path, `secret id "${id}" is used twice; give each secret its own id`);
      seen.add(id);
    });
  }
}

/**
 * The checks of the `hash` mode (tag, explain): the files the tag reads must exist and have the right
 * kind. Containment in the repository, lock-file rules and formats are left to the strict mode; values
 * of the wrong type are left to the hash stage, which names the field.
 */
async function checkHashInputs(src: ImageSource, ctx: Ctx): Promise<void> {
  const p = (name: string) => (src.prefix ? `${src.prefix}.${name}` : name);
  const paths: Array<[string, 'file' | 'directory']> = [
    ['requirements', 'file'],
    ['source_root', 'directory'],
    ['dockerfile', 'file'],
    ['build_context', 'directory'],
    ['dockerignore', 'file'],
  ];
  for (const [name, kind] of paths) {
    const value = field(src, name);
    // flytekit skips falsy values ('' included); extension fields are already checked by the schema.
    if (typeof value === 'string' && value !== '') await checkPath(ctx, p(name), value, kind, false);
  }
  const copy = field(src, 'copy');
  if (Array.isArray(copy)) {
    for (let i = 0; i < copy.length; i++) {
      const entry = copy[i];
      if (typeof entry === 'string' && entry !== '')
        await checkPath(ctx, childPath(p('copy'), i), entry, 'any', false);
    }
  }
}

/** Semantic checks of every image; fields that already failed schema validation are skipped. */
export async function semanticDiagnostics(
  sources: ImageSource[],
  context: ImageContext,
  failed: ReadonlySet<string>,
  mode: SpecMode = 'strict',
): Promise<Diagnostic[]> {
  const ctx: Ctx = { ...context, root: resolve(context.root), out: [], failed };
  for (const src of sources) await (mode === 'strict' ? checkImage(src, ctx) : checkHashInputs(src, ctx));
  return ctx.out;
}
