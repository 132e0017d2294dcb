/**
 * A test double of the GitHub REST API's container package endpoints, answering with the shapes
 * GitHub documents for "Get a package for an organization" and "Get a package for a user":
 *
 *   GET /orgs/{org}/packages/container/{package_name}
 *   GET /users/{username}/packages/container/{package_name}
 *
 * `package_name` arrives URL-encoded (`team%2Fapp`). Requests without `Authorization` get 401; a package
 * the token may not see (or that does not exist) gets GitHub's 404 body.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePackage {
  owner: string;
  ownerType: 'Organization' | 'User';
  name: string;
  visibility: 'public' | 'private' | 'internal';
  /** Tokens allowed to see the package; every token when absent. */
  tokens?: string[];
}

export interface GitHubApiDouble {
  url: string;
  /** Raw request lines seen, e.g. `GET /orgs/acme/packages/container/team%2Fapp`. */
  requests: string[];
  close: () => Promise<void>;
}

const DOCS = 'https://docs.github.com/rest/packages/packages';

/** `badTokens` are answered 401 "Bad credentials", as GitHub answers an expired or revoked token. */
export async function startGitHubApi(
  packages: FakePackage[],
  badTokens: string[] = [],
): Promise<GitHubApiDouble> {
  const requests: string[] = [];
  let id = 40000;
  const ids = new Map(packages.map((p) => [p, (id += 1)]));
  const server: Server = createServer((req, res) => {
    const raw = req.url ?? '/';
    requests.push(`${req.method} ${raw}`);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-media-type': 'github.v3',
      });
      res.end(JSON.stringify(body));
    };
    const auth = req.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(auth)?.[1];
    if (!token)
      return send(401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' });
    if (badTokens.includes(token)) {
      return send(401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    const m = /^\/(orgs|users)\/([^/]+)\/packages\/container\/([^/?]+)$/.exec(raw.split('?')[0]!);
    if (req.method !== 'GET' || !m)
      return send(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    const [, kind, owner, encodedName] = m as unknown as [string, string, string, string];
    const name = decodeURIComponent(encodedName);
    const ownerType = kind === 'orgs' ? 'Organization' : 'User';
    const pkg = packages.find(
      (p) =>
        p.owner.toLowerCase() === owner.toLowerCase() &&
        p.name === name &&
        p.ownerType === ownerType &&
        (!p.tokens || p.tokens.includes(token)),
    );
    if (!pkg) return send(404, { message: 'Package not found.', documentation_url: DOCS, status: '404' });
    const base = `http://${req.headers.host}`;
    const web = `https://github.com/${kind}/${pkg.owner}/packages/container/package/${encodeURIComponent(pkg.name)}`;
    send(200, {
      id: ids.get(pkg),
      name: pkg.name,
      package_type: 'container',
      owner: {
        login: pkg.owner,
        id: 1000,
        node_id: 'MDEyOk9yZ2FuaXphdGlvbjEwMDA=',
        avatar_url: 'https://avatars.githubusercontent.com/u/1000?v=4',
        url: `${base}/users/${pkg.owner}`,
        html_url: `https://github.com/${pkg.owner}`,
        type: pkg.ownerType,
        site_admin: false,
      },
      version_count: 3,
      visibility: pkg.visibility,
      url: `${base}/${kind}/${pkg.owner}/packages/container/${encodeURIComponent(pkg.name)}`,
      created_at: '2026-01-10T12:00:00Z',
      updated_at: '2026-01-11T12:00:00Z',
      html_url: web,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
