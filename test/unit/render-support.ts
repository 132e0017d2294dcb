/** ImageSpec and PlannedImage values for render tests, built directly (no spec file). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, formatDiagnostic } from '../../src/errors.js';
import type { ImageSpec, PlannedImage, PyValue } from '../../src/spec/types.js';
import { imageSpec } from '../support/image-spec.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/render');

export function image(fields: Partial<ImageSpec> = {}, dir = path.join(FIXTURES, 'app')): ImageSpec {
  const raw = new Map<string, PyValue>();
  if (fields.source_root) raw.set('source_root', path.relative(dir, fields.source_root) || '.');
  const file = path.join(dir, 'imagespec.yaml');
  return imageSpec(dir, { raw, pos: () => ({ file, line: 3, col: 5 }), ...fields });
}

export function planned(spec: ImageSpec, extra: Partial<PlannedImage> = {}): PlannedImage {
  const repository = spec.registry ? `${spec.registry}/${spec.name}` : spec.name;
  return {
    spec,
    flavor: 'generic',
    specHash: 'abc123hash',
    tag: 'abc123hash',
    ...(spec.registry ? { registry: spec.registry } : {}),
    repository,
    reference: `${repository}:abc123hash`,
    platforms: spec.platform.split(','),
    inputs: [],
    ...extra,
  };
}

/** What the CLI prints for an error: each diagnostic as `FILE:LINE:COL: error: MESSAGE`, then the message. */
export function printed(err: unknown): string {
  if (!(err instanceof UserError)) return String(err);
  return [...err.diagnostics.map(formatDiagnostic), `imagespec: ${err.message}`].join('\n');
}
