// Bundles the action (src/main.ts -> dist/index.js) and the CLI (src/cli.ts -> dist/cli.js).
// Output is deterministic: no timestamps, no absolute paths, sorted inputs; building twice gives the same bytes.
import { build } from 'esbuild';
import { readFile, writeFile, chmod, mkdir } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  define: { __IMAGESPEC_VERSION__: JSON.stringify(pkg.version) },
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __imagespecCreateRequire } from 'node:module'; const require = __imagespecCreateRequire(import.meta.url);",
  },
};

await mkdir(new URL('../dist/', import.meta.url), { recursive: true });
await build({ ...common, entryPoints: ['src/main.ts'], outfile: 'dist/index.js' });
await build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' });

// The CLI is executable; prepend the shebang after the banner-free build so it stays on line 1.
const cliUrl = new URL('../dist/cli.js', import.meta.url);
const cli = await readFile(cliUrl, 'utf8');
if (!cli.startsWith('#!')) await writeFile(cliUrl, `#!/usr/bin/env node\n${cli}`);
await chmod(cliUrl, 0o755);
