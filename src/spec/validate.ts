/**
 * Validation of a parsed spec document: JSON Schema first, then the checks a schema cannot express
 * (files on disk, image reference grammar, lock files, references between images). Every problem is
 * collected; nothing stops at the first one.
 */
import { dirname, resolve } from 'node:path';
import type { Flavor } from '../choices.js';
import type { SpecDocument } from './load.js';
import { orderImages } from './graph.js';
import { imageSources, typedImage, type ImageContext } from './image.js';
import { schemaProblems, type SpecMode } from './schema.js';
import { keyDiagnostics, semanticDiagnostics } from './semantic.js';
import type { Diagnostic, ImageSpec } from './types.js';

export interface Validated {
  images: ImageSpec[];
  diagnostics: Diagnostic[];
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.line - b.line || a.col - b.col || a.message.localeCompare(b.message));
}

/**
 * Validate a document and return its images in build order (parents first), or every problem found.
 * `mode` is `strict` for validate/plan/render/build, `hash` for tag/explain (see SpecMode); `flavor` selects
 * the rules of that flavor's build (e.g. flyte: `source_root` needs `source_copy_mode`).
 */
export async function validateDocument(
  doc: SpecDocument,
  root: string,
  mode: SpecMode = 'strict',
  flavor: Flavor = 'generic',
): Promise<Validated> {
  const file = resolve(doc.file);
  const dir = dirname(file);
  const keyProblems = keyDiagnostics(doc, mode === 'hash');
  const schema = schemaProblems(doc, mode);
  const sources = imageSources(doc);
  const keys = new Set(sources.filter((s) => s.inMap).map((s) => s.id));
  const ctx: ImageContext = { doc, file, dir, root, keys };
  const failed = new Set([...keyProblems, ...schema.reported].map((d) => d.path));
  const semantic = await semanticDiagnostics(sources, ctx, failed, mode, flavor);
  // A schema rule the semantic checks refine is reported only where they found nothing (once, best message).
  const near = (a: string, b: string): boolean =>
    a === b || b.startsWith(a === '' ? '' : `${a}.`) || b.startsWith(`${a}[`);
  const unrefined = schema.refined.filter(
    (r) =>
      !schema.reported.some((d) => d.path === r.path) &&
      !semantic.some((d) => near(r.path, d.path) || near(d.path, r.path)),
  );
  const diagnostics = [...keyProblems, ...schema.reported, ...unrefined, ...semantic];
  if (diagnostics.length > 0) return { images: [], diagnostics: sortDiagnostics(diagnostics) };
  const images = sources.map((s) => typedImage(s, ctx));
  const { ordered, diagnostics: graph } = orderImages(images);
  if (graph.length > 0) return { images: [], diagnostics: graph };
  return { images: ordered, diagnostics: [] };
}
