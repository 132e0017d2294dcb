/**
 * A fault-injecting HTTP proxy (node:http) to put in front of a real registry: each incoming request
 * either takes the next matching fault (an error status, 429 with Retry-After, a connection reset, a stall)
 * or is forwarded unchanged. Every request is logged with its arrival time and what was done with it.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { status: number; retryAfter?: string }
  /** Close the connection without an answer (the client sees a reset). */
  | { reset: true }
  /** Accept the request and never answer (until the proxy closes). */
  | { stall: true }
  /** Forward the request after a pause. */
  | { delayMs: number };

export interface FaultRule {
  /** Which requests the fault applies to (default: all). */
  match?: (req: IncomingMessage) => boolean;
  fault: Fault;
  /** How many matching requests get the fault (default: every one). */
  times?: number;
}

export interface LoggedRequest {
  method: string;
  url: string;
  at: number;
  outcome: string;
}

export interface FaultProxy {
  /** host:port to use as the registry. */
  host: string;
  log: LoggedRequest[];
  /** The most requests that were open at the same time. */
  maxInFlight: () => number;
  /** Replace the fault rules (the first matching rule with times left applies) and restart maxInFlight. */
  setFaults: (rules: FaultRule[]) => void;
  close: () => Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const [upHost, upPort] = upstream.split(':') as [string, string];
  let rules: Array<FaultRule & { left: number }> = [];
  const log: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;

  const server: Server = createServer((req, res) => {
    const entry: LoggedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      at: Date.now(),
      outcome: 'forwarded',
    };
    log.push(entry);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    const rule = rules.find((r) => r.left > 0 && (!r.match || r.match(req)));
    if (rule) {
      rule.left -= 1;
      const f = rule.fault;
      if ('reset' in f) {
        entry.outcome = 'reset';
        req.socket.destroy();
        return;
      }
      if ('stall' in f) {
        entry.outcome = 'stall';
        return;
      }
      if ('delayMs' in f) {
        entry.outcome = 'delayed';
        setTimeout(() => forward(req, res, entry), f.delayMs);
        return;
      }
      entry.outcome = `${f.status}`;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (f.retryAfter !== undefined) headers['retry-after'] = f.retryAfter;
      res.writeHead(f.status, headers);
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected fault' }] }));
      return;
    }
    forward(req, res, entry);
  });
  const forward = (req: IncomingMessage, res: ServerResponse, entry: LoggedRequest): void => {
    const headers = { ...req.headers, host: upstream };
    const up = httpRequest(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers },
      (upRes) => {
        entry.outcome = `forwarded ${upRes.statusCode}`;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  };
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    log,
    maxInFlight: () => maxInFlight,
    setFaults: (next) => {
      maxInFlight = inFlight;
      rules = next.map((r) => ({ ...r, left: r.times ?? Number.POSITIVE_INFINITY }));
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
