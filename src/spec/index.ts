/** The spec stage: read a spec file, validate it, and return its images in build order. */
import { resolve } from 'node:path';
import { dirname } from 'node:path';
import type { Flavor } from '../choices.js';
import { UserError } from '../errors.js';
import { readSpecFile } from './load.js';
import { repositoryRoot } from './root.js';
import type { Diagnostic, SpecFile } from './types.js';
import type { SpecMode } from './schema.js';
import { validateDocument } from './validate.js';

export { parseSpecText, readSpecFile, childPath, type SpecDocument, type NodeInfo } from './load.js';
export { validateDocument } from './validate.js';
export { orderImages } from './graph.js';
export { schemaValidator, toJson, SCHEMA, type SpecMode } from './schema.js';
export { repositoryRoot } from './root.js';
export { displayValue } from './yaml11.js';

export interface LoadOptions {
  /** `strict` (default) for validate, plan, render and build; `hash` for tag and explain (SpecMode). */
  mode?: SpecMode;
  /** The flavor the spec is built or tagged with (default generic): some rules belong to one flavor. */
  flavor?: Flavor;
}

/** Read, validate and order a spec file; diagnostics instead of throwing. */
export async function checkSpecFile(
  path: string,
  opts: LoadOptions = {},
): Promise<{ spec?: SpecFile; diagnostics: Diagnostic[] }> {
  // Asking git for the repository root takes a process start; it runs while the YAML is read and parsed.
  const rootAsked = repositoryRoot(dirname(resolve(path)));
  const { doc, diagnostics } = await readSpecFile(path);
  if (!doc) return { diagnostics };
  const root = await rootAsked;
  const result = await validateDocument(doc, root, opts.mode, opts.flavor);
  if (result.diagnostics.length > 0) return { diagnostics: result.diagnostics };
  return { spec: { file: resolve(path), images: result.images }, diagnostics: [] };
}

/** Read, validate and order a spec file. Throws UserError carrying every diagnostic. */
export async function loadSpecFile(path: string, opts: LoadOptions = {}): Promise<SpecFile> {
  const { spec, diagnostics } = await checkSpecFile(path, opts);
  if (!spec) {
    const n = diagnostics.length;
    throw new UserError(`${path}: ${n} problem${n === 1 ? '' : 's'} in the spec file`, diagnostics);
  }
  return spec;
}
export { annotate, toAnnotations, type Annotation } from './annotate.js';
