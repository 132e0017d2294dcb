import { readFileSync } from 'node:fs';

/** What the triggering event allows: fork pull requests get a read-only token and no secrets. */
export interface EventContext {
  eventName: string;
  /** True for pull_request / pull_request_review events whose head repository is not the base repository. */
  fromFork: boolean;
}

interface PullRequestPayload {
  pull_request?: {
    head?: { repo?: { full_name?: string; fork?: boolean } | null };
    base?: { repo?: { full_name?: string } };
  };
}

export function readEvent(env: NodeJS.ProcessEnv = process.env): EventContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  let fromFork = false;
  if (eventName.startsWith('pull_request') && env.GITHUB_EVENT_PATH) {
    try {
      const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as PullRequestPayload;
      const head = payload.pull_request?.head?.repo;
      const base = payload.pull_request?.base?.repo?.full_name;
      // A deleted head repository (null) also means a fork that no longer exists: treat as a fork.
      fromFork =
        head === null || head?.fork === true || (head?.full_name !== undefined && head.full_name !== base);
    } catch {
      // An unreadable event payload: be safe and assume the run cannot push.
      fromFork = true;
    }
  }
  return {
    eventName,
    fromFork,
  };
}
