/**
 * Values quoted in messages. A message may quote what the user wrote, but never much of it: the file might
 * not be a spec at all (a path pointing at the wrong file), and its content does not belong in a log or an
 * annotation. So a quoted value is cut to a short excerpt, and every character that could break a log line
 * or an annotation (controls, NEL, LINE/PARAGRAPH SEPARATOR) is shown as an escape.
 */

/** The longest part of a value quoted in a message. */
export const EXCERPT_CHARS = 40;

/** `"value"` as JSON would write it, with non-printing characters escaped and long values cut. */
export function excerpt(value: string, max = EXCERPT_CHARS): string {
  const chars = [...value];
  const cut = chars.length > max;
  const shown = JSON.stringify(cut ? chars.slice(0, max).join('') : value).replace(
    /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return cut ? `${shown}… (${chars.length - max} more characters)` : shown;
}
