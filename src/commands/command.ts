/** One CLI subcommand. `run` returns the process exit code; it throws UserError for bad input. */
export interface Command {
  name: string;
  /** One line for `imagespec --help`. */
  summary: string;
  /** Full usage text for `imagespec COMMAND --help`. */
  usage: string;
  run(args: string[]): Promise<number>;
}
