import * as core from '@actions/core';
import { runAction } from './action.js';
import { errorMessage } from './errors.js';

try {
  await runAction();
} catch (err) {
  core.setFailed(errorMessage(err));
}
