/**
 * A tiny Dockerfile writer. It only joins lines: callers pass instruction text whose spec values are
 * already quoted with ./quote.ts.
 *
 * Every RUN is written in exec (JSON array) form, `RUN [--mount=...] ["/bin/sh", "-c", "<script>"]`, with
 * the whole script as one JSON string on one physical line. BuildKit's parser never looks for heredocs in
 * the JSON form, and a JSON string cannot hold a raw line break, so nothing inside a script (a package name,
 * a `commands` entry) can open a heredoc, continue the line, or start another instruction. The renderer's
 * own continuation lines carry only mount flags (restricted characters) and ENV/LABEL pairs that begin with
 * a checked name or a quoted key and end with a closing quote.
 */

/** The shell every rendered RUN uses (the same as Docker's default shell form on Linux). */
export const SH = ['/bin/sh', '-c'] as const;

export { MAX_LINE_BYTES, jsonString } from '../util/dockerfile-line.js';
import { jsonString } from '../util/dockerfile-line.js';

/** An exec-form argument list: `["a", "b"]`. */
export function execForm(argv: readonly string[]): string {
  return `[${argv.map(jsonString).join(', ')}]`;
}

// Mount flags stand unquoted on their own continuation line; only these characters can appear in them.
const MOUNT_FLAG = /^--mount=[A-Za-z0-9._:@/+,=~-]+$/;

export class DockerfileWriter {
  private readonly blocks: string[][] = [];

  /** Starts a new paragraph (blank line before it) with a comment line (fixed text, never spec values). */
  section(comment: string): this {
    if (/[^\x20-\x7e]/.test(comment))
      throw new Error(`section comment must be one printable line: ${comment}`);
    this.blocks.push([`# ${comment}`]);
    return this;
  }

  /** Adds an instruction line to the current paragraph. */
  line(text: string): this {
    if (this.blocks.length === 0) this.blocks.push([]);
    this.blocks[this.blocks.length - 1]!.push(text);
    return this;
  }

  /**
   * A RUN instruction in exec form: mount flags first (one per line), then `shell` with the script parts
   * joined by spaces as its last argument. Each part must be complete shell up to a separator (`;`, `&&`,
   * `then`, ...), as if the parts were written on one line.
   */
  run(mounts: readonly string[], script: readonly string[], shell: readonly string[] = SH): this {
    for (const m of mounts) {
      if (!MOUNT_FLAG.test(m)) throw new Error(`mount flag with characters a Dockerfile cannot hold: ${m}`);
    }
    const argv = execForm([...shell, script.join(' ')]);
    return this.line(`RUN ${[...mounts, argv].join(' \\\n    ')}`);
  }

  text(): string {
    return `${this.blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
  }
}

/** `--mount=type=cache,...` for a stable cache id. */
export function cacheMount(id: string, target: string): string {
  return `--mount=type=cache,id=${id},target=${target},sharing=locked`;
}
