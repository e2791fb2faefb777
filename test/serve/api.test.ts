/**
 * `tmux-orc serve` end to end (issue 16): the real CLI serving a temp tree on a free loopback
 * port, driven by plain HTTP requests: the gate (token, cookie, Host, origin, body size), every
 * task endpoint, bad input, paging, the event stream and its resumption, metrics, OpenAPI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killAll, names, REPO, start, tempDir, testEnv, waitFor } from '../helpers.ts';
import { events, HAVE_PROMTOOL, request, serve, type Served } from './fixture.ts';

const T = suite<{ dir: string; root: string; s: Served }>('serve: API');
T.before(async (ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tree');
  assert.is((await cli(['tasks-init'], { env: testEnv(ctx.root) })).code, 0);
  ctx.s = await serve(ctx.root);
});
T.after((ctx) => {
  killAll();
  cleanup(ctx.dir);
});

const enqueue = async (s: Served, body: unknown) => {
  const r = await request(s, '/api/tasks', { body });
  assert.is(r.status, 201, r.text);
  return r.json as { id: string; state: string; cmd: string };
};
const worker = async (root: string) => {
  const w = start(['worker', '--id', '0'], { env: testEnv(root) });
  await waitFor('worker ready', () => w.out().includes('ready'), 15_000);
  return w;
};

T('the token: none or wrong is 401 without a word about the task; header, ?token= (cookie + redirect) and the cookie pass', async ({ s, root }) => {
  assert.equal((await request(s, '/healthz', { token: null })).json, { ok: true });
  const none = await request(s, '/api/tasks', { token: null });
  assert.is(none.status, 401);
  assert.is(none.json.error.code, 'unauthorized');
  const { id } = await enqueue(s, { cmd: 'true' });
  const wrongThere = await request(s, `/api/tasks/${id}`, { token: 'x'.repeat(43) });
  const wrongMissing = await request(s, '/api/tasks/no-such-task', { token: 'x'.repeat(43) });
  assert.is(wrongThere.status, 401);
  assert.is(wrongThere.text, wrongMissing.text, 'a wrong token never tells whether a task exists');
  assert.is((await request(s, '/api/tasks/no-such-task', { token: 'x' })).status, 401, 'unknown endpoints and IDs alike');
  assert.is((await request(s, '/no/such/endpoint', { token: null })).status, 401);

  const redirect = await request(s, `/api/tasks?limit=1&token=${s.token}`, { token: null });
  assert.is(redirect.status, 303);
  assert.is(redirect.headers.location, '/api/tasks?limit=1', 'the clean URL, other parameters kept');
  const cookie = String(redirect.headers['set-cookie']);
  assert.match(cookie, new RegExp(`^tmux-orc-${s.port}=${s.token};`));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const viaCookie = await request(s, '/api/tasks?limit=1', { token: null, headers: { cookie: cookie.split(';')[0] } });
  assert.is(viaCookie.status, 200, viaCookie.text);
  assert.is((await request(s, '/api/tasks', { token: null, headers: { cookie: `tmux-orc-${s.port}=wrong` } })).status, 401);
  const badQuery = await request(s, '/?token=wrong', { token: null });
  assert.is(badQuery.status, 401);
  assert.is(badQuery.headers['set-cookie'], undefined);

  const page = await request(s, '/');
  assert.is(page.status, 200);
  assert.is(page.headers['x-frame-options'], 'SAMEORIGIN');
  assert.is(page.headers['referrer-policy'], 'no-referrer');
  assert.is(page.headers['x-content-type-options'], 'nosniff');
  assert.match(page.text, /<html/);
  for (const p of ['/serve.token', '/../serve.token', '/%2e%2e/serve.token', '/static/../../serve.token']) {
    const r = await request(s, p);
    assert.is(r.status, 404, `${p}: ${r.status}`);
    assert.not.ok(r.text.includes(s.token), `${p} must not serve the token`);
  }
  const st = fs.statSync(path.join(root, 'serve.token'));
  assert.is(st.mode & 0o777, 0o600);
});

T('Host: only the loopback names with this port; browser writes from another origin are refused', async ({ s, root }) => {
  for (const host of [`evil.example:${s.port}`, `127.0.0.1:${s.port + 1}`, 'localhost', `127.0.0.1.evil.example:${s.port}`]) {
    const r = await request(s, '/api/tasks', { headers: { host } });
    assert.is(r.status, 403, `Host ${host}`);
    assert.is(r.json.error.code, 'forbidden');
  }
  assert.is((await request(s, '/api/tasks', { headers: { host: '' } })).status, 400, 'no Host at all: refused by Node itself');
  assert.is((await request(s, '/healthz', { headers: { host: `rebound.example:${s.port}` } })).status, 403, 'healthz too');
  for (const host of [`localhost:${s.port}`, `127.0.0.1:${s.port}`, `[::1]:${s.port}`]) assert.is((await request(s, '/api/tasks?limit=1', { headers: { host } })).status, 200, host);

  const before = names(root, 'queue').length;
  const foreign = await request(s, '/api/tasks', { body: { cmd: 'touch /tmp/pwned' }, headers: { origin: 'http://evil.example' } });
  assert.is(foreign.status, 403);
  const crossSite = await request(s, '/api/tasks', { body: { cmd: 'true' }, headers: { 'sec-fetch-site': 'cross-site' } });
  assert.is(crossSite.status, 403);
  assert.is(names(root, 'queue').length, before, 'nothing queued');
  const same = await request(s, '/api/tasks', { body: { cmd: 'true' }, headers: { origin: `http://127.0.0.1:${s.port}`, 'sec-fetch-site': 'same-origin' } });
  assert.is(same.status, 201, same.text);
});

T('POST /api/tasks: cmd or argv with the enqueue options; bad input is 400 naming what is wrong, nothing queued', async ({ s, root }) => {
  const t = await request(s, '/api/tasks', { body: { argv: ['printf', '%s\n', 'a b', "it's"], id: 'exact-argv', env: { FOO: 'bar' }, priority: 5, label: 'web', timeout: '1h30m', retries: 2, in: '1h' } });
  assert.is(t.status, 201, t.text);
  assert.is(t.json.id, 'exact-argv');
  assert.is(t.json.state, 'queue');
  assert.is(t.json.status, 'delayed');
  assert.is(t.json.cmd, "printf '%s\n' 'a b' 'it'\\''s'", 'each word quoted, run exactly');
  assert.equal(t.json.env, ['FOO=bar']);
  assert.is(t.json.timeout, '90m');
  assert.is(t.json.retries, 2);
  assert.ok(names(root, 'queue').some((n) => n.endsWith('-exact-argv.task')));
  assert.is((await request(s, '/api/tasks', { body: { cmd: 'make test', after: 'exact-argv', cwd: root } })).status, 201);
  assert.is((await cli(['group', 'set', 'gpu', '--parallel', '2'], { env: testEnv(root) })).code, 0);
  const held = await request(s, '/api/tasks', { body: { cmd: 'true', hold: true, unique: 'nightly', group: 'gpu', afterAny: 'exact-argv' } });
  assert.is(held.status, 201, held.text);
  assert.is(held.json.state, 'held');
  assert.is(held.json.group, 'gpu');
  const taken = await request(s, '/api/tasks', { body: { cmd: 'true', unique: 'nightly' } });
  assert.is(taken.status, 409);
  assert.match(taken.json.error.message, new RegExp(`held by task ${held.json.id}`));

  const before = names(root, 'queue').length;
  const bad: Array<[unknown, number, RegExp]> = [
    [{ cmd: 'x', argv: ['y'] }, 400, /"cmd" .*or "argv" .*not both/],
    [{}, 400, /"cmd" .*or "argv"/],
    [{ cmd: 'x', colour: 'red', size: 1 }, 400, /unknown field\(s\): "colour", "size"/],
    [{ cmd: 'x', priority: 'high' }, 400, /"priority"/],
    [{ cmd: 'x', priority: 5000 }, 400, /priority/],
    [{ cmd: 'x', in: '1h', at: '14:30' }, 400, /--in or --at/],
    [{ cmd: 'x', timeout: 'soon' }, 400, /timeout/],
    [{ cmd: 'x', cwd: 'relative/dir' }, 400, /absolute/],
    [{ cmd: 'x', cwd: '/no/such/dir' }, 404, /no\/such\/dir/],
    [{ cmd: 'x', after: ['no-such-task'] }, 404, /no task no-such-task/],
    [{ cmd: 'x', id: 'exact-argv' }, 409, /already exists/],
    [{ cmd: 'x', id: '../escape' }, 400, /invalid task ID/],
    [{ cmd: '   ' }, 400, /empty command/],
    [[1, 2], 400, /expected object/],
  ];
  for (const [body, status, message] of bad) {
    const r = await request(s, '/api/tasks', { body });
    assert.is(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.error.message, message, JSON.stringify(body));
    assert.is(typeof r.json.error.code, 'string');
  }
  const notJson = await request(s, '/api/tasks', { body: '{"cmd": "x",' });
  assert.is(notJson.status, 400);
  assert.match(notJson.json.error.message, /not JSON/);
  const form = await request(s, '/api/tasks', { body: 'cmd=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.is(form.status, 400);
  const big = await request(s, '/api/tasks', { body: JSON.stringify({ cmd: 'x'.repeat(1024 * 1024 + 10) }) });
  assert.is(big.status, 413);
  assert.is(big.json.error.code, 'too-large');
  assert.is(names(root, 'queue').length, before, 'nothing queued by bad input');
});

T('GET /api/tasks: newest first, paged by cursor without gaps or repeats; filters by state, label and q; dispatch order', async ({ s }) => {
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) ids.push((await enqueue(s, { cmd: `echo page-${i}`, label: 'paging', priority: i % 2 ? 10 : 0 })).id);
  await waitFor('the index has them', async () => (await request(s, '/api/tasks?label=paging&limit=100')).json.tasks.length === 7, 15_000);
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10; pages++) {
    const r = await request(s, `/api/tasks?label=paging&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.is(r.status, 200, r.text);
    seen.push(...r.json.tasks.map((t: { id: string }) => t.id));
    cursor = r.json.next;
    if (!cursor) break;
  }
  assert.equal(seen, [...ids].reverse(), 'newest first, every task once');
  const q = await request(s, '/api/tasks?q=PAGE-3');
  assert.equal(q.json.tasks.map((t: { id: string }) => t.id), [ids[3]]);
  assert.equal((await request(s, `/api/tasks?q=${ids[5]}`)).json.tasks.map((t: { id: string }) => t.id), [ids[5]], 'q matches IDs');
  const dispatch = await request(s, '/api/tasks?label=paging&order=dispatch&state=queue&limit=100');
  assert.equal(dispatch.json.tasks.map((t: { id: string }) => t.id), [ids[1], ids[3], ids[5], ids[0], ids[2], ids[4], ids[6]], 'priority first, then age');
  const dpage = await request(s, '/api/tasks?label=paging&order=dispatch&limit=4');
  const dnext = await request(s, `/api/tasks?label=paging&order=dispatch&limit=4&cursor=${encodeURIComponent(dpage.json.next)}`);
  assert.equal([...dpage.json.tasks, ...dnext.json.tasks].map((t: { id: string }) => t.id), dispatch.json.tasks.map((t: { id: string }) => t.id));
  assert.is((await request(s, '/api/tasks?state=done&label=paging')).json.tasks.length, 0);
  assert.ok(dpage.json.counts.queue >= 7);
  for (const bad of ['state=nope', 'limit=0', 'limit=abc', 'colour=red', 'cursor=zzz', 'order=dispatch&cursor=n:1']) {
    const r = await request(s, `/api/tasks?${bad}`);
    assert.is(r.status, 400, `${bad}: ${r.text}`);
  }
  assert.match((await request(s, '/api/tasks?colour=red')).json.error.message, /unknown query parameter\(s\): "colour"/);
});

T('one task, its log, cancel and retry; unknown IDs are 404, invalid ones 400, wrong states 409', async ({ s, root }) => {
  const w = await worker(root);
  const { id } = await enqueue(s, { cmd: 'echo out-line; echo err-line >&2; exit 3', label: 'logs' });
  const failed = await waitFor('it fails', async () => {
    const r = await request(s, `/api/tasks/${id}`);
    return r.json.state === 'failed' && r.json;
  }, 20_000);
  assert.is(failed.exit, 3);
  assert.is(failed.label, 'logs');
  const out = await request(s, `/api/tasks/${id}/log`);
  assert.is(out.status, 200);
  assert.match(String(out.headers['content-type']), /^text\/plain/);
  assert.match(out.text, /out-line/);
  assert.match((await request(s, `/api/tasks/${id}/log?stream=err&tail=1`)).text, /^err-line\n$/);
  assert.is((await request(s, `/api/tasks/${id}/log?stream=both`)).status, 400);

  assert.is((await request(s, `/api/tasks/${id}/cancel`, { method: 'POST' })).status, 409, 'a finished task cannot be cancelled');
  w.kill('SIGKILL');
  const retried = await request(s, `/api/tasks/${id}/retry`, { method: 'POST' });
  assert.is(retried.status, 200, retried.text);
  assert.is(retried.json.state, 'queue');
  assert.is(retried.json.attempt, 2);
  assert.is((await request(s, `/api/tasks/${id}/retry`, { method: 'POST', body: {} })).status, 409, 'only failed tasks are retried');
  assert.is((await request(s, `/api/tasks/${id}/retry`, { method: 'POST', body: { now: true } })).status, 400, 'no fields taken');
  const cancelled = await request(s, `/api/tasks/${id}/cancel`, { method: 'POST' });
  assert.is(cancelled.status, 200, cancelled.text);
  assert.is(cancelled.json.outcome, 'cancelled-queued');
  assert.is(cancelled.json.task.status, 'cancelled');

  for (const p of ['/api/tasks/no-such-task', '/api/tasks/no-such-task/log', '/api/tasks/no-such-task/cancel', '/api/tasks/no-such-task/retry']) {
    const r = await request(s, p, { method: p.endsWith('/cancel') || p.endsWith('/retry') ? 'POST' : 'GET' });
    assert.is(r.status, 404, `${p}: ${r.text}`);
    assert.is(r.json.error.code, 'not-found');
  }
  assert.is((await request(s, '/api/tasks/-bad..id')).status, 400);
});

T('GET /api/workers shows a live worker and what it runs; its changes arrive as events', async ({ s, root }) => {
  const stream = events(s);
  await stream.wait('hello', (e) => e.event === 'hello');
  const w = await worker(root);
  await stream.wait('the worker, idle', (e) => e.event === 'worker' && e.data.id === '0' && e.data.state === 'idle');
  const { id } = await enqueue(s, { cmd: 'sleep 30', label: 'busy' });
  const busyEvent = await stream.wait('the worker, busy', (e) => e.event === 'worker' && e.data.state === 'busy');
  assert.is(busyEvent.data.task, id);
  const busy = await waitFor('the worker runs it', async () => {
    const r = await request(s, '/api/workers');
    return r.json.workers.find((x: { alive: boolean; task?: { id: string } }) => x.alive && x.task?.id === id);
  }, 20_000);
  assert.is(busy.id, '0');
  assert.is((await request(s, `/api/tasks/${id}/cancel`, { method: 'POST' })).json.outcome, 'cancelled-running');
  w.kill('SIGKILL');
  await stream.wait('the worker, dead or gone', (e) => e.event === 'worker' && (e.data.state === 'dead' || e.data.state === 'gone'));
  stream.close();
});

T('GET /api/events: a change arrives as an event with an id; a client resuming with Last-Event-ID gets what it missed', async ({ s }) => {
  const first = events(s);
  const hello = await first.wait('hello', (e) => e.event === 'hello');
  assert.match(String(first.contentType()), /^text\/event-stream/);
  assert.ok(hello.id);
  const a = await enqueue(s, { cmd: 'true', label: 'sse' });
  const ev = await first.wait('the enqueue as an event', (e) => e.event === 'task' && e.data.id === a.id);
  assert.is(ev.data.state, 'queue');
  assert.ok(ev.id);
  first.close();

  const missed = await enqueue(s, { cmd: 'true', label: 'sse' });
  const cancel = await request(s, `/api/tasks/${a.id}/cancel`, { method: 'POST' });
  assert.is(cancel.status, 200);
  // The server has seen both while no client listened: a client with the last ID it had gets them.
  await waitFor('the server saw the changes', async () => (await request(s, `/api/tasks/${a.id}`)).json.state === 'failed', 15_000);
  const again = events(s, ev.id);
  const got = await again.wait('the missed enqueue', (e) => e.event === 'task' && e.data.id === missed.id);
  const cancelled = await again.wait('the missed cancel', (e) => e.event === 'task' && e.data.id === a.id && e.data.state === 'failed');
  assert.is(cancelled.data.status, 'cancelled');
  assert.equal(cancelled.data.from, { state: 'queue', status: 'ready' });
  assert.ok(again.got.every((e) => e.id !== ev.id), 'nothing before the given ID is repeated');
  assert.not.ok(again.got.some((e) => e.event === 'hello'));
  assert.ok(got.id);
  again.close();

  const stale = events(s, 'not-an-id-of-this-server');
  const reset = await stale.wait('a reset', (e) => e.event === 'reset');
  assert.match(reset.data.reason, /reload/);
  stale.close();
});

T('GET /metrics: the Prometheus text format (promtool check metrics), with the queue exporter names', async ({ s, root }) => {
  const r = await request(s, '/metrics');
  assert.is(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  for (const name of ['tmuxorc_tasks', 'tmuxorc_tasks_finished_total', 'tmuxorc_task_duration_seconds', 'tmuxorc_queue_latency_seconds', 'tmuxorc_workers', 'tmuxorc_agent_state']) {
    assert.match(r.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  const queued = names(root, 'queue').length;
  await waitFor('the gauge counts the queue', async () => (await request(s, '/metrics')).text.includes(`tmuxorc_tasks{state="queue"} ${queued}\n`), 15_000);
  assert.match(r.text, /^tmuxorc_tasks_finished_total\{status="failed"\} [1-9]/m, 'the failures seen since start');
  if (!HAVE_PROMTOOL) {
    console.log('  skip: promtool check — promtool not installed (scripts/test-deps.d/promtool.sh)');
    return;
  }
  const checked = execFileSync('promtool', ['check', 'metrics'], { input: r.text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  assert.is(checked.trim(), '');
});

T('examples/: the scrape config passes promtool with this tree\'s token; every dashboard query names metrics the server exports', async ({ s, root, dir }) => {
  const metrics = (await request(s, '/metrics')).text;
  const dash = JSON.parse(fs.readFileSync(path.join(REPO, 'examples', 'grafana-dashboard.json'), 'utf8'));
  const exprs: string[] = dash.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr));
  assert.ok(exprs.length >= 10);
  for (const e of exprs) {
    for (const [name] of e.matchAll(/tmuxorc_[a-z_]+/g)) assert.match(metrics, new RegExp(`^(# TYPE )?${name}[{ ]`, 'm'), `${name} in ${e}`);
  }
  if (!HAVE_PROMTOOL) return;
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, fs.readFileSync(path.join(REPO, 'examples', 'prometheus.yml'), 'utf8').replace(/credentials_file: .*/, `credentials_file: ${path.join(root, 'serve.token')}`));
  execFileSync('promtool', ['check', 'config', config], { stdio: 'pipe' });
});

T('GET /openapi.json lists every endpoint from the schemas; /docs renders it from local files', async ({ s }) => {
  const r = await request(s, '/openapi.json');
  assert.is(r.status, 200);
  const doc = r.json;
  assert.is(doc.openapi, '3.1.0');
  for (const [p, m] of [['/api/tasks', 'get'], ['/api/tasks', 'post'], ['/api/tasks/{id}', 'get'], ['/api/tasks/{id}/log', 'get'], ['/api/tasks/{id}/cancel', 'post'], ['/api/tasks/{id}/retry', 'post'], ['/api/workers', 'get'], ['/api/agents', 'get'], ['/api/agents/{name}', 'get'], ['/api/agents/{name}/messages', 'post'], ['/api/session', 'get'], ['/api/barriers/{name}/signal', 'post'], ['/api/events', 'get'], ['/metrics', 'get'], ['/healthz', 'get']]) {
    assert.ok(doc.paths[p]?.[m], `${m} ${p}`);
  }
  const body = doc.paths['/api/tasks'].post.requestBody.content['application/json'].schema;
  assert.is(body.additionalProperties, false, 'unknown fields refused, as validation does');
  assert.ok(body.properties.argv && body.properties.every);
  assert.ok(doc.paths['/api/tasks'].get.parameters.some((p: { name: string }) => p.name === 'cursor'));
  const docs = await request(s, '/docs');
  assert.is(docs.status, 200);
  assert.match(docs.text, /src="\/docs\/swagger-ui-bundle\.js"/);
  assert.not.match(docs.text, /https?:\/\//, 'nothing from another host');
  const bundle = await request(s, '/docs/swagger-ui-bundle.js');
  assert.is(bundle.status, 200);
  assert.ok(bundle.text.length > 100_000);
});

T.run();
