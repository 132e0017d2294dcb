/**
 * Policies over registry answers, as pure functions: what to do with an image whose existence is
 * `unknown` (`on-unknown`), and whether a pushed image's visibility is acceptable (`require-public`).
 */
import type { OnUnknown } from '../choices.js';
import type { RegistryCheck, UnknownCause } from './existence.js';
import type { VisibilityReport } from './visibility.js';

export interface UnknownDecision {
  /** build: build and push; skip: use the image assumed to exist; fail: stop the step with `message`. */
  action: OnUnknown;
  /** What to tell the user: the unknown answer, the policy applied and, for `fail`, the fix. */
  message: string;
}

const ADVICE: Record<UnknownCause, string> = {
  auth:
    'Log in to the registry before this step (docker/login-action, or the username/password inputs) with an account ' +
    'that can pull the repository; on ghcr.io grant the job `permissions: packages: read` (`write` to push) and, for an ' +
    "existing package, give the repository access in the package's settings.",
  credentials: 'Fix the Docker credential configuration named above, or pass username/password explicitly.',
  server: 'The registry kept failing; re-run the job later or check the registry status.',
  network:
    'Check the registry host name and that the runner can reach it (for a plain-HTTP registry, list it in insecure-registries).',
  timeout: 'The registry did not answer in time; re-run the job later or check the registry status.',
  'no-registry':
    "Set 'registry' in the spec (or the registry input) so the image can be looked up and pushed.",
};

/** What the `on-unknown` policy does with an image the registry could not answer for, and the words for it. */
export function decideUnknown(
  image: string,
  check: Pick<RegistryCheck, 'cause' | 'reason'>,
  policy: OnUnknown,
): UnknownDecision {
  const advice = ADVICE[check.cause ?? 'server'];
  switch (policy) {
    case 'build':
      return {
        action: 'build',
        message: `Cannot tell whether ${image} exists (${check.reason}); building it because on-unknown is 'build'.`,
      };
    case 'skip':
      return {
        action: 'skip',
        message: `Cannot tell whether ${image} exists (${check.reason}); assuming it does because on-unknown is 'skip'. ${advice}`,
      };
    case 'fail':
      return {
        action: 'fail',
        message:
          `Cannot tell whether ${image} exists: ${check.reason}. ${advice} ` +
          "To proceed anyway, set on-unknown to 'build' (build and push) or 'skip' (assume it exists).",
      };
  }
}

export type PublicCheck = { ok: true; message: string } | { ok: false; message: string };

/**
 * `require-public`: pass only a public image. Nothing can change visibility through an API, so a failure names
 * the place where a person can (the package's settings page) when it is known.
 */
export function checkRequirePublic(image: string, report: VisibilityReport, required: boolean): PublicCheck {
  if (report.visibility === 'public') return { ok: true, message: `${image} is public` };
  const where = report.settingsUrl
    ? ` Make it public in the package settings: ${report.settingsUrl}`
    : " Make the repository public in the registry's settings.";
  const message = `${image} is ${report.visibility === 'unknown' ? 'of unknown visibility' : report.visibility} (${report.reason}).${where}`;
  return required ? { ok: false, message: `require-public: ${message}` } : { ok: true, message };
}
