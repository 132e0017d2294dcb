/**
 * `pip_extra_args` as words: split the way a shell would, but only quotes are allowed. Variables, globs,
 * redirections and command separators have no meaning here, because these arguments are data, not shell.
 * shell-quote does the splitting; this decides what is acceptable.
 */
import { parse as parseShell } from 'shell-quote';

// Control characters other than tab, including CR, LF, DEL and the Unicode line separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/;

/** The words of `value`, or why it cannot be used as arguments (and how to fix it). */
export function argWords(value: string): { words: string[] } | { problem: string } {
  if (CONTROL.test(value))
    return { problem: 'contains a line break or control character; write the arguments on one line' };
  let variable: string | undefined;
  // shell-quote accepts a function for variable lookups; its type declares only an object.
  const lookup = (name: string): string => {
    variable ??= name;
    return '';
  };
  const tokens = parseShell(value, lookup as unknown as Record<string, string>);
  if (variable !== undefined)
    return { problem: `'$${variable}' is not expanded in arguments; write the value itself` };
  const words: string[] = [];
  for (const token of tokens) {
    if (typeof token !== 'string') {
      return {
        problem: `${JSON.stringify(value)} contains shell syntax (${JSON.stringify(token)}); only arguments and quotes are allowed here`,
      };
    }
    words.push(token);
  }
  return { words };
}
