/** Markdown for the job summary and `explain`: values land in table cells and inline code, never as markup. */

/** Text escaped so Markdown shows it as written (emphasis, links, HTML and table pipes are inert). */
export function mdText(s: string): string {
  return s.replace(/[\\`*_|<>[\]]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

/** Text for a table cell that may hold light Markdown: only pipes, backslashes and line breaks are escaped. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives backticks in the value and sits safely in a table cell. */
export function mdCode(s: string): string {
  const ticks = s.includes('`') ? '``' : '`';
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${s.replace(/\|/g, '\\|').replace(/\n/g, ' ')}${pad}${ticks}`;
}
