// Preloaded with `node --import` by the skip-path benchmark: appends the path of every file module the
// process loads (ES modules and require()d files) to $IMAGESPEC_LOADED_FILES, one a line. Needs
// module.registerHooks (Node.js 22.15 / 23.5 and later).
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

const out = process.env.IMAGESPEC_LOADED_FILES;
if (out) {
  registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      if (url.startsWith('file:')) appendFileSync(out, `${fileURLToPath(url)}\n`);
      return result;
    },
  });
}
