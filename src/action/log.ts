import * as core from '@actions/core';
import type { BuildLog } from '../build/index.js';

/** The build log of the action: lines to the job log, warnings as annotations, one group per image. */
export const actionLog: BuildLog = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  group: (name, fn) => core.group(name, fn),
  setSecret: (secret) => core.setSecret(secret),
};
