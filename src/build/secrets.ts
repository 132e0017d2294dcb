/**
 * Secrets of one build, checked before buildx starts (it would fail late, with a less helpful message) and
 * registered with the log so their values are masked wherever they show up: environment secrets by value,
 * file secrets by their whole content and by each non-empty line (a tool may print one line of a
 * credentials file, such as a pip.conf index URL or a .netrc password).
 */
import { stat } from 'node:fs/promises';
import { LIMITS, formatBytes } from '../spec/limits.js';
import { FileTooLarge, NotRegularFile, readBounded } from '../util/bounded-read.js';
import { UserError, errorMessage } from '../errors.js';
import type { BuildContext } from '../render/types.js';
import type { BuildSecret } from '../spec/types.js';
import type { BuildLog } from './types.js';

/** The spec field a secret comes from: `pip_secret_mounts[i][0]` or `secrets[i].src`/`.env`. */
function fieldOf(ctx: BuildContext, secret: BuildSecret, key: 'src' | 'env'): string {
  const pip = /^imagespec-pip-secret-(\d+)$/.exec(secret.id);
  if (pip && key === 'src') return `pip_secret_mounts[${pip[1]}][0]`;
  const i = ctx.planned.spec.secrets.findIndex((s) => s.id === secret.id);
  return `secrets[${i < 0 ? '?' : i}].${key}`;
}

/** The values to mask for a secret file's content: the whole text and each non-empty trimmed line. */
export function secretFileValues(content: string): string[] {
  const values = new Set<string>();
  if (content.trim()) values.add(content);
  for (const line of content.split(/\r?\n/)) if (line.trim()) values.add(line.trim());
  return [...values];
}

/** Checks every secret of a build and masks its value. Throws UserError naming the spec field and the fix. */
export async function checkSecrets(ctx: BuildContext, env: NodeJS.ProcessEnv, log: BuildLog): Promise<void> {
  const spec = ctx.planned.spec;
  const where = (s: BuildSecret, key: 'src' | 'env'): string =>
    `${spec.file}: images.${spec.id}.${fieldOf(ctx, s, key)}`;
  for (const s of ctx.secrets) {
    if (s.env) {
      const value = env[s.env];
      if (value === undefined) {
        throw new UserError(
          `${where(s, 'env')}: secret '${s.id}' reads environment variable ${s.env}, which is not set; set it in the step's env`,
        );
      }
      if (value) log.setSecret(value);
    } else if (s.src) {
      let content: string;
      try {
        content = (await readBounded(s.src, LIMITS.secretBytes)).toString('utf8');
      } catch (err) {
        if (err instanceof FileTooLarge) {
          throw new UserError(
            `${where(s, 'src')}: secret '${s.id}' file ${s.src} is ${formatBytes(err.size)}; BuildKit takes secrets of at most ${formatBytes(err.limit)}; check that the path names the secret file`,
          );
        }
        const code =
          err instanceof NotRegularFile
            ? (await stat(s.src).catch(() => undefined))?.isDirectory()
              ? 'EISDIR'
              : 'not a regular file'
            : ((err as NodeJS.ErrnoException).code ?? errorMessage(err));
        throw new UserError(
          `${where(s, 'src')}: secret '${s.id}' reads file ${s.src}, which cannot be read (${code}); create the file in an earlier step or fix the path (relative paths start at the spec file's directory)`,
        );
      }
      for (const v of secretFileValues(content)) log.setSecret(v);
    }
  }
}
