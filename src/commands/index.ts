import type { Command } from './command.js';
import { validate } from './validate.js';
import { tag } from './tag.js';
import { explain } from './explain.js';
import { plan } from './plan.js';
import { render } from './render.js';
import { build } from './build.js';
import { merge } from './merge.js';

/** Every built command, in the order `--help` lists them. Only commands that work are listed here. */
export const COMMANDS: Command[] = [validate, tag, explain, plan, render, build, merge];
