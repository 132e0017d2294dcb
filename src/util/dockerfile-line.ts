/**
 * What one Dockerfile line can hold, shared by the renderer (which writes lines) and the spec stage (which
 * refuses a spec whose commands could not fit one).
 */

/**
 * BuildKit reads a Dockerfile with Go's `bufio.Scanner`, whose longest line is 64 KiB; longer lines fail the
 * build with "dockerfile line greater than max allowed size". Rendered lines stay below this.
 */
export const MAX_LINE_BYTES = 64 * 1024 - 1;

/**
 * A JSON string literal holding only printable ASCII: every other character is a `\uXXXX` escape, so no
 * tool that treats NEL, LINE SEPARATOR or PARAGRAPH SEPARATOR as a line break can split it either.
 */
export function jsonString(value: string): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
