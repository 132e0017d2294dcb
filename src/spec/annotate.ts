/** Spec diagnostics as GitHub annotations, shown inline on the pull request diff. */
import * as core from '@actions/core';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Diagnostic } from './types.js';

/** One annotation: what `core.error` receives. File paths are relative to the workspace, as GitHub expects. */
export interface Annotation {
  message: string;
  properties: core.AnnotationProperties;
}

export function toAnnotations(
  diagnostics: readonly Diagnostic[],
  workspace = process.env.GITHUB_WORKSPACE,
): Annotation[] {
  return diagnostics.map((d) => {
    let file = d.file;
    if (workspace) {
      const rel = relative(workspace, resolve(d.file));
      if (!rel.startsWith('..') && !isAbsolute(rel)) file = rel;
    }
    return {
      message: d.message,
      properties: { title: 'Invalid image spec', file, startLine: d.line, startColumn: d.col },
    };
  });
}

/** Report each diagnostic with `core.error` at its file, line and column. */
export function annotate(diagnostics: readonly Diagnostic[]): void {
  for (const a of toAnnotations(diagnostics)) core.error(a.message, a.properties);
}
