/** A real `tmux-orc serve` on a free loopback port, and plain HTTP requests to it (node:http: any Host, any body). */
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { start, waitFor, testEnv } from '../helpers.ts';

export interface Served {
  proc: ReturnType<typeof start>;
  port: number;
  token: string;
  url: string;
}

/** Start the real CLI's server on port 0 and read its URL and token from what it prints. */
export async function serve(root: string, args: string[] = [], env: NodeJS.ProcessEnv = testEnv(root)): Promise<Served> {
  const proc = start(['serve', '--port', '0', ...args], { env });
  const line = (await waitFor('the server prints its URL', () => /open in a browser: (http:\/\/127\.0\.0\.1:(\d+)\/)\?token=(\S+)/.exec(proc.out()), 20_000)) as RegExpExecArray;
  return { proc, url: line[1], port: Number(line[2]), token: line[3] };
}

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface ReqOptions {
  method?: string;
  /** Bearer token; null: none. */
  token?: string | null;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
}

export function request(s: Served, path: string, o: ReqOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { ...o.headers };
  const token = o.token === undefined ? s.token : o.token;
  if (token !== null) headers.authorization ??= `Bearer ${token}`;
  let body: Buffer | undefined;
  if (o.body !== undefined) {
    body = Buffer.isBuffer(o.body) ? o.body : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
    headers['content-type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: s.port, path, method: o.method ?? (body ? 'POST' : 'GET'), headers, agent: false, setHost: headers.host === undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One server-sent event. */
export interface Sse {
  id?: string;
  event?: string;
  data: any;
}

/** An open event stream: the events so far, and a way to wait for one. */
export function events(s: Served, lastEventId?: string) {
  const got: Sse[] = [];
  let buf = '';
  let res: http.IncomingMessage | undefined;
  const headers: Record<string, string> = { authorization: `Bearer ${s.token}`, accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const req = http.get({ host: '127.0.0.1', port: s.port, path: '/api/events', headers }, (r) => {
    res = r;
    r.setEncoding('utf8');
    r.on('data', (chunk: string) => {
      buf += chunk;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const e: Sse = { data: undefined };
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          const [k, v] = [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
          if (k === 'id') e.id = v;
          else if (k === 'event') e.event = v;
          else if (k === 'data') e.data = JSON.parse(v);
        }
        if (e.event) got.push(e);
      }
    });
  });
  req.on('error', () => {});
  return {
    got,
    status: () => res?.statusCode,
    contentType: () => res?.headers['content-type'],
    wait: (what: string, pred: (e: Sse) => boolean, timeoutMs = 15_000): Promise<Sse> => waitFor(what, () => got.find(pred), timeoutMs) as Promise<Sse>,
    close: () => req.destroy(),
  };
}

/** Whether promtool (Debian's prometheus package; scripts/test-deps.d/promtool.sh) is installed. */
export const HAVE_PROMTOOL = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
