/**
 * `WWW-Authenticate` challenges (RFC 7235) as registries send them:
 * `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull"`.
 *
 * Written by hand: the npm parsers (auth-header, www-authenticate) read one challenge per header, but fetch
 * joins repeated `WWW-Authenticate` headers into one comma-separated value (`Basic realm="x", Bearer realm="y"`),
 * and telling challenges apart from parameters there needs the tokenizer below.
 */

export interface Challenge {
  /** Lowercased scheme: `bearer`, `basic`, ... */
  scheme: string;
  /** Parameters with lowercased names. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** Parse every challenge of a header value; unparsable trailing text is ignored. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let s = header;
  let current: Challenge | undefined;
  const skipSpace = (): void => {
    s = s.replace(/^[\s,]+/, '');
  };
  skipSpace();
  while (s.length > 0) {
    const name = TOKEN.exec(s)?.[0];
    if (!name) break;
    const after = s.slice(name.length);
    const eq = /^\s*=\s*/.exec(after);
    if (current && eq) {
      s = after.slice(eq[0].length);
      let value: string;
      if (s.startsWith('"')) {
        let i = 1;
        value = '';
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i += 1;
          value += s[i];
          i += 1;
        }
        s = s.slice(i + 1);
      } else {
        value = /^[^,\s]*/.exec(s)?.[0] ?? '';
        s = s.slice(value.length);
      }
      current.params[name.toLowerCase()] = value;
    } else {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
      s = after;
    }
    skipSpace();
  }
  return out;
}

/** The Bearer challenge if there is one, else the Basic challenge, else undefined. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
