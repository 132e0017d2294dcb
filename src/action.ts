import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { UserError } from './errors.js';

/** The action's flow: inputs → pipeline → outputs. Grows as the stages land. */
export async function runAction(): Promise<void> {
  const spec = core.getInput('spec') || 'imagespec.yaml';
  if (!existsSync(spec)) {
    throw new UserError(
      `spec file '${spec}' not found; set the 'spec' input to the path of your ImageSpec YAML`,
    );
  }
  core.info(`spec: ${spec}`);
}
