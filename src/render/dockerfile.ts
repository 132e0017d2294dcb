/**
 * A tiny Dockerfile writer. It only joins lines: callers pass instruction text whose spec values are
 * already quoted with ./quote.ts. Multi-line RUN steps use `\` continuations, never heredocs.
 */
export class DockerfileWriter {
  private readonly blocks: string[][] = [];

  /** Starts a new paragraph (blank line before it) with a comment line. */
  section(comment: string): this {
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
   * A RUN instruction: mount flags first (one per line), then the shell script lines. Script lines are
   * joined by the continuation, so each must be complete shell up to a separator (`;`, `&&`, `then`, ...).
   * A part that is blank or starts with `#` stays on the line before it: the Dockerfile parser drops such
   * lines inside a continuation, which would carry the RUN on into the next instruction.
   */
  run(mounts: string[], script: string[]): this {
    const [first = '', ...rest] = [...mounts, ...script];
    const text = rest.reduce((acc, part) => acc + (/^\s*(#|$)/.test(part) ? ' ' : ' \\\n    ') + part, first);
    return this.line(`RUN ${text}`);
  }

  text(): string {
    return `${this.blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
  }
}

/** `--mount=type=cache,...` for a stable cache id. */
export function cacheMount(id: string, target: string): string {
  return `--mount=type=cache,id=${id},target=${target},sharing=locked`;
}
