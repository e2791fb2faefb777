/**
 * `tmux-orc serve` starting and refusing (issue 16): a port in use is exit 4 in one line, an
 * unsafe tree exit 5, no tree exit 3, a bad port exit 2; the token is kept across restarts and a
 * token file others can read is refused; --read-only refuses every write; a non-loopback bind warns.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, exited, killAll, names, tempDir, testEnv } from '../helpers.ts';
import { request, serve } from './fixture.ts';

const T = suite<{ dir: string; root: string }>('serve: start');
T.before.each(async (ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tree');
  assert.is((await cli(['tasks-init'], { env: testEnv(ctx.root) })).code, 0);
});
T.after.each((ctx) => {
  killAll();
  cleanup(ctx.dir);
});

function oneLine(r: { code: number | null; stderr: string }, code: number, pattern: RegExp): void {
  assert.is(r.code, code, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
  assert.not.match(r.stderr, /\n\s+at /);
}

T('a port in use: exit 4, one line', async ({ root }) => {
  const other = net.createServer();
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const port = (other.address() as net.AddressInfo).port;
  try {
    const r = await cli(['serve', '--port', String(port)], { env: testEnv(root), timeoutMs: 20_000 });
    oneLine(r, 4, new RegExp(`^tmux-orc: port ${port} on 127\\.0\\.0\\.1 is in use`));
  } finally {
    other.close();
  }
});

T('an unsafe tree is refused with exit 5; no tree is exit 3; a bad port exit 2', async ({ root, dir }) => {
  fs.chmodSync(root, 0o777);
  oneLine(await cli(['serve', '--port', '0'], { env: testEnv(root), timeoutMs: 20_000 }), 5, /^tmux-orc: .*writable by/);
  fs.chmodSync(root, 0o700);
  oneLine(await cli(['serve', '--port', '0'], { env: testEnv(path.join(dir, 'none')), timeoutMs: 20_000 }), 3, /^tmux-orc: /);
  oneLine(await cli(['serve', '--port', '70000'], { env: testEnv(root), timeoutMs: 20_000 }), 2, /--port must be a whole number/);
  assert.not.ok(fs.existsSync(path.join(root, 'serve.token')), 'nothing made by a refused start');
});

T('the token is made once (0600) and kept across restarts; a token file others can read is refused (exit 5)', async ({ root }) => {
  const a = await serve(root);
  a.proc.kill('SIGTERM');
  assert.is((await exited(a.proc, 10_000)).code, 0, 'SIGTERM stops it cleanly');
  const b = await serve(root);
  assert.is(b.token, a.token);
  assert.is(fs.readFileSync(path.join(root, 'serve.token'), 'utf8').trim(), a.token);
  b.proc.kill('SIGTERM');
  await exited(b.proc, 10_000);
  fs.chmodSync(path.join(root, 'serve.token'), 0o644);
  oneLine(await cli(['serve', '--port', '0'], { env: testEnv(root), timeoutMs: 20_000 }), 5, /serve\.token can be read by others .*chmod 600/);
});

T('--read-only: reads work, every write is 403 and changes nothing', async ({ root }) => {
  assert.is((await cli(['tasks-enqueue', '--id', 'kept', 'true'], { env: testEnv(root) })).code, 0);
  const s = await serve(root, ['--read-only']);
  assert.match(s.proc.out(), /\(read-only\)/);
  assert.is((await request(s, '/api/tasks')).json.tasks[0].id, 'kept');
  assert.is((await request(s, '/api/tasks/kept')).status, 200);
  const writes: Array<[string, unknown]> = [
    ['/api/tasks', { cmd: 'true' }],
    ['/api/tasks/kept/cancel', {}],
    ['/api/tasks/kept/retry', {}],
    ['/api/agents/eng-1/messages', { text: 'hi' }],
    ['/api/barriers/b/signal', {}],
  ];
  for (const [p, body] of writes) {
    const r = await request(s, p, { body });
    assert.is(r.status, 403, `${p}: ${r.text}`);
    assert.is(r.json.error.code, 'read-only');
  }
  assert.equal(names(root, 'queue').map((n) => n.replace(/^.*-/, '')), ['kept.task']);
  assert.not.ok(fs.existsSync(path.join(root, 'barriers')));
});

T('a non-loopback bind warns on stderr and still answers on loopback', async ({ root }) => {
  const s = await serve(root, ['--host', '0.0.0.0']);
  assert.match(s.proc.err(), /warning: serving on 0\.0\.0\.0, reachable from other machines/);
  assert.is((await request(s, '/api/tasks')).status, 200);
  assert.is((await request(s, '/api/tasks', { headers: { host: `evil.example:${s.port}` } })).status, 403, 'the Host check holds');
});

T.run();
