/**
 * What to do with one planned image, as a pure function of the run's settings and the registry's answer:
 * force × on-unknown × whether this run pushes × build-without-push × existence (and whether the image has a
 * registry at all). `run()` asks it for every image before building any, so an `unknown` answer under
 * `on-unknown: fail` stops the run before anything is pushed.
 */
import type { OnUnknown } from './choices.js';
import type { RegistryCheck } from './registry/existence.js';
import { decideUnknown } from './registry/policy.js';

export interface DecisionSettings {
  /** Build every image, even one whose tag exists. */
  force: boolean;
  /** What to do when the registry cannot say whether the tag exists (only when the image would be pushed). */
  onUnknown: OnUnknown;
  /** The push policy's answer: built images are pushed. */
  canPush: boolean;
  /** Build missing images even when they cannot be pushed, to prove the spec builds. */
  buildWithoutPush: boolean;
  /** Why pushing is off, when it is (fork pull request, no credentials, `push: false`). */
  pushOffReason?: string;
}

export interface ImageDecision {
  action: 'build' | 'skip' | 'fail';
  /** Why, for people (the log line and the report); for `fail`, the error with the fix. */
  reason: string;
  /** An `unknown` answer turned into a build or a skip by `on-unknown`: shown as a warning. */
  warning?: string;
}

export interface ImageState {
  reference: string;
  /** The image has a registry to look it up in and push it to. */
  hasRegistry: boolean;
  existence: RegistryCheck;
  /**
   * `builder: noop` (flytekit's NoOpBuilder): the image is an existing one and is never built or pushed; its
   * existence is only reported, with a warning when it is not `exists`.
   */
  noop?: boolean;
}

export function decideImage(image: ImageState, settings: DecisionSettings): ImageDecision {
  if (image.noop) return noopDecision(image);
  const wanted = wantedAction(image, settings);
  if (wanted.action !== 'build' || settings.canPush || settings.buildWithoutPush) return wanted;
  return {
    action: 'skip',
    reason: `${wanted.reason}; not built: ${settings.pushOffReason ?? 'pushing is off'}`,
  };
}

/** The decision before build-without-push is applied. */
function wantedAction(image: ImageState, settings: DecisionSettings): ImageDecision {
  const { existence } = image;
  if (settings.force) {
    return {
      action: 'build',
      reason: existence.state === 'exists' ? 'force: rebuilding an existing tag' : 'force',
    };
  }
  if (existence.state === 'exists') return { action: 'skip', reason: 'exists' };
  if (existence.state === 'missing')
    return { action: 'build', reason: `spec changed or first build: ${existence.reason}` };
  // Unknown. Without pushing, building harms nothing and proves the spec builds, whatever on-unknown says.
  if (!image.hasRegistry) return { action: 'build', reason: 'no registry to look the tag up in' };
  if (!settings.canPush) return { action: 'build', reason: 'existence unknown and pushing is off' };
  const choice = decideUnknown(image.reference, existence, settings.onUnknown);
  if (choice.action === 'fail') return { action: 'fail', reason: choice.message };
  return {
    action: choice.action,
    reason:
      choice.action === 'build'
        ? 'existence unknown; built by on-unknown: build'
        : 'existence unknown; skipped by on-unknown: skip',
    warning: choice.message,
  };
}

/** A noop image: skipped whatever force, push or on-unknown say; a missing or unknown image is a warning. */
function noopDecision({ reference, existence }: ImageState): ImageDecision {
  const what = 'builder: noop: the image is used as it is, nothing is built';
  if (existence.state === 'exists') return { action: 'skip', reason: what };
  if (existence.state === 'missing') {
    return {
      action: 'skip',
      reason: `${what}; not in its registry`,
      warning: `${reference} (builder: noop) is not in its registry (${existence.reason}); whatever runs it will fail to pull it: push it, or correct base_image`,
    };
  }
  return {
    action: 'skip',
    reason: `${what}; existence unknown`,
    warning: `cannot tell whether ${reference} (builder: noop) exists: ${existence.reason}`,
  };
}
