import type { Diagnostic } from './spec/types.js';

/**
 * An error the user can fix. Entry points print `message` (and each diagnostic) without a stack trace.
 * Anything that is not a UserError is a bug; entry points still print only its message.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: error: ${d.message}`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
