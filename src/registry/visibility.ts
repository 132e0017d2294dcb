/**
 * Visibility of a pushed image: can anyone pull it? An anonymous probe of the exact reference answers
 * for every registry; on ghcr.io the GitHub Packages API also tells public/private/internal and where
 * the package's settings are (visibility can only be changed there, by a person).
 */
import type { Visibility } from '../spec/types.js';
import { RegistryFailure, type RegistryClient } from './client.js';
import { MANIFEST_ACCEPT } from './existence.js';
import { parseReference, type ImageReference } from './reference.js';

export interface VisibilityReport {
  visibility: Visibility;
  /** How it was decided, e.g. "anonymous pull answered 401" or "GitHub Packages API: private". */
  reason: string;
  /** Where a person can change the visibility (ghcr.io packages). */
  settingsUrl?: string;
}

export interface VisibilityOptions {
  /** Token for the GitHub Packages API (the workflow's GITHUB_TOKEN); without it only the probe runs. */
  githubToken?: string;
  /** GitHub REST API base; defaults to $GITHUB_API_URL, then https://api.github.com. */
  apiUrl?: string;
  /** GitHub web base for settings links; defaults to $GITHUB_SERVER_URL, then https://github.com. */
  serverUrl?: string;
  env?: NodeJS.ProcessEnv;
}

/** Pull the exact reference anonymously: 200 → public; 401/403 → private; anything else → unknown. */
export async function probeVisibility(
  client: RegistryClient,
  reference: string | ImageReference,
): Promise<VisibilityReport> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const target = ref.digest ?? ref.tag ?? 'latest';
  try {
    const reply = await client.request(ref, `manifests/${target}`, {
      method: 'HEAD',
      accept: MANIFEST_ACCEPT,
      anonymous: true,
      deadline: client.deadline(),
    });
    if (reply.status === 200) return { visibility: 'public', reason: 'an anonymous pull is allowed' };
    if (reply.status === 401 || reply.status === 403) {
      return { visibility: 'private', reason: `an anonymous pull is refused (${reply.status})` };
    }
    return { visibility: 'unknown', reason: `an anonymous pull answered ${reply.status}` };
  } catch (err) {
    if (err instanceof RegistryFailure)
      return { visibility: 'unknown', reason: `anonymous probe failed: ${err.message}` };
    throw err;
  }
}

/** The owner and package name of a ghcr.io image (`ghcr.io/OWNER/NAME...`), or undefined for other registries. */
export function ghcrPackage(ref: ImageReference): { owner: string; name: string } | undefined {
  if (ref.domain !== 'ghcr.io') return undefined;
  const slash = ref.path.indexOf('/');
  if (slash < 0) return undefined;
  return { owner: ref.path.slice(0, slash), name: ref.path.slice(slash + 1) };
}

/** The package settings page, where visibility is changed (org or user package). */
export function packageSettingsUrl(
  serverUrl: string,
  ownerKind: 'orgs' | 'users',
  owner: string,
  name: string,
): string {
  return `${serverUrl.replace(/\/+$/, '')}/${ownerKind}/${owner}/packages/container/${encodeURIComponent(name)}/settings`;
}

const VISIBILITIES: readonly Visibility[] = ['public', 'private', 'internal'];

/**
 * Ask the GitHub Packages API: GET /orgs/{owner}/packages/container/{name}, then /users/{owner}/... when the
 * owner is not an organization. A 404 from both means the token cannot see the package.
 */
export async function packagesApiVisibility(
  pkg: { owner: string; name: string },
  opts: VisibilityOptions & { githubToken: string },
): Promise<VisibilityReport> {
  const env = opts.env ?? process.env;
  const baseUrl = opts.apiUrl || env.GITHUB_API_URL || 'https://api.github.com';
  const serverUrl = opts.serverUrl || env.GITHUB_SERVER_URL || 'https://github.com';
  // Loaded only here: the GitHub client is most of the code a run could load, and only ghcr.io needs it.
  const { getOctokit } = await import('@actions/github');
  const octokit = getOctokit(opts.githubToken, { baseUrl });
  const common = { package_type: 'container' as const, package_name: pkg.name };
  const attempts = [
    {
      kind: 'orgs' as const,
      get: () => octokit.rest.packages.getPackageForOrganization({ ...common, org: pkg.owner }),
    },
    {
      kind: 'users' as const,
      get: () => octokit.rest.packages.getPackageForUser({ ...common, username: pkg.owner }),
    },
  ];
  for (const { kind, get } of attempts) {
    try {
      const { data } = await get();
      const settingsUrl = packageSettingsUrl(serverUrl, kind, pkg.owner, pkg.name);
      const v = VISIBILITIES.find((x) => x === data.visibility) ?? 'unknown';
      return { visibility: v, reason: `GitHub Packages API: ${data.visibility}`, settingsUrl };
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) continue;
      const message = (err as Error).message;
      return {
        visibility: 'unknown',
        reason: `GitHub Packages API answered ${status ?? 'with an error'}: ${message}`,
        settingsUrl: packageSettingsUrl(serverUrl, 'users', pkg.owner, pkg.name),
      };
    }
  }
  return {
    visibility: 'unknown',
    reason:
      "the workflow's token cannot see the package in the GitHub Packages API (grant the job `permissions: packages: read`, " +
      "and connect the repository to the package in the package's settings)",
  };
}

/** Visibility of a pushed image: the Packages API on ghcr.io when a token is given, else the anonymous probe. */
export async function checkVisibility(
  client: RegistryClient,
  reference: string | ImageReference,
  opts: VisibilityOptions = {},
): Promise<VisibilityReport> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const probe = await probeVisibility(client, ref);
  const pkg = ghcrPackage(ref);
  if (!pkg || !opts.githubToken) return probe;
  const api = await packagesApiVisibility(pkg, { ...opts, githubToken: opts.githubToken });
  return combineVisibility(probe, api);
}

/** The Packages API's answer wins when it has one; otherwise the probe's, with the API's explanation. */
export function combineVisibility(probe: VisibilityReport, api: VisibilityReport): VisibilityReport {
  if (api.visibility !== 'unknown') return { ...api, reason: `${api.reason}; ${probe.reason}` };
  const report: VisibilityReport = { visibility: probe.visibility, reason: `${probe.reason}; ${api.reason}` };
  const settingsUrl = api.settingsUrl ?? probe.settingsUrl;
  if (settingsUrl) report.settingsUrl = settingsUrl;
  return report;
}
