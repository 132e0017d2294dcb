#!/usr/bin/env node
/**
 * A Docker credential helper for tests, speaking the `docker-credential-<name>` protocol.
 * Install it on PATH as `docker-credential-<name>` (see writeCredHelper in cred-helper.ts).
 * Its store is `<name>-store.json` in the directory named by IMAGESPEC_TEST_CRED_DIR:
 * { "<server URL>": { "Username", "Secret" } } or { "<server URL>": { "fail": "message" } };
 * every `get` appends the asked server URL to `<name>-store.json.log`.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const name = basename(process.argv[1] ?? '').replace(/^docker-credential-/, '');
const dir = process.env.IMAGESPEC_TEST_CRED_DIR;
const storePath = dir ? join(dir, `${name}-store.json`) : undefined;
const action = process.argv[2];
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  if (action !== 'get' || !storePath) {
    process.stdout.write(`unsupported: ${action ?? ''}\n`);
    process.exit(2);
  }
  const server = input.trim();
  appendFileSync(`${storePath}.log`, `${server}\n`);
  const store = JSON.parse(readFileSync(storePath, 'utf8'));
  const entry = store[server];
  if (!entry) {
    process.stdout.write('credentials not found in native keychain\n');
    process.exit(1);
  }
  if (entry.fail) {
    process.stdout.write(`${entry.fail}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ ServerURL: server, Username: entry.Username, Secret: entry.Secret }));
});
