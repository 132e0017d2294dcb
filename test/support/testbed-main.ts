/**
 * Entry point of the testbed's own servers and helpers. `scripts/testbed.sh up` bundles it with esbuild
 * (Node cannot run TypeScript) and runs:
 *
 *   serve-token  --port P --key K --cert C --users U --issuer I --service S
 *   serve-cache  --port P --dir D --log L
 *   serve-index  --port P --dir D --log L
 *   seed-index   --dir D           writes the seed wheels (idempotent)
 *   cache-token [read-only]        prints a token the cache clients accept (read-only: exports are refused)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Server } from 'node:http';
import { createTokenServer, type TokenUser } from './token-server.js';
import { cacheToken, createCacheServer } from './cache-server.js';
import { createIndexServer } from './index-server.js';
import { buildWheel, SEED_WHEELS } from './wheel.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    dir: { type: 'string' },
    log: { type: 'string' },
    key: { type: 'string' },
    cert: { type: 'string' },
    users: { type: 'string' },
    issuer: { type: 'string' },
    service: { type: 'string' },
  },
});

function need(name: keyof typeof values): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') {
    console.error(`missing --${name}`);
    process.exit(2);
  }
  return v;
}

function listen(server: Server): void {
  const port = Number(need('port'));
  server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
  const stop = (): void => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

switch (positionals[0]) {
  case 'serve-token': {
    const logFile = values.log;
    listen(
      createTokenServer({
        keyPem: readFileSync(need('key'), 'utf8'),
        certPem: readFileSync(need('cert'), 'utf8'),
        users: JSON.parse(readFileSync(need('users'), 'utf8')) as Record<string, TokenUser>,
        issuer: need('issuer'),
        service: need('service'),
        log: (line) => {
          if (logFile) appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
        },
      }),
    );
    break;
  }
  case 'serve-cache': {
    const port = need('port');
    listen(
      createCacheServer({ dir: need('dir'), logFile: need('log'), publicUrl: `http://127.0.0.1:${port}` }),
    );
    break;
  }
  case 'serve-index':
    mkdirSync(need('dir'), { recursive: true });
    listen(createIndexServer({ dir: need('dir'), logFile: need('log') }));
    break;
  case 'seed-index': {
    const dir = need('dir');
    mkdirSync(dir, { recursive: true });
    for (const spec of SEED_WHEELS) {
      const wheel = buildWheel(spec);
      const path = join(dir, wheel.filename);
      if (!existsSync(path)) writeFileSync(path, wheel.data);
    }
    break;
  }
  case 'cache-token':
    console.log(cacheToken(3650, positionals[1] === 'read-only' ? 'read-only' : 'read-write'));
    break;
  default:
    console.error(`unknown command ${positionals[0] ?? '(none)'}`);
    process.exit(2);
}
