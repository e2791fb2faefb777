/**
 * The dashboard at `/` of `tmux-orc serve`, in a real headless Chromium (test/browser.ts) against
 * the real CLI's server, real workers and the fake agent on a private tmux server: what it shows
 * on load, live changes without a reload, search, the actions (retry, cancel, stop, a message),
 * no data without the token, no action with --read-only, keyboard and a phone's width. Every
 * page must end with no console error, page error or failed request.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { cli, HAVE_PERL, names, start, waitFor } from '../helpers.ts';
import { received, setup, spawnFake, teardown, type Ctx } from '../agents/fixture.ts';
import { request, serve, type Served } from './fixture.ts';
import { browserMissing, launch, openPage, problems } from '../browser.ts';

const D = suite<Ctx>('dashboard');
const missing = browserMissing() ?? (HAVE_PERL ? undefined : 'needs perl (the workers\' launcher)');
if (missing) console.log(`  skip: dashboard — ${missing}`);
const test = missing ? D.skip : D;

let browser: Browser | undefined;
D.before(async () => {
  if (!missing) browser = await launch();
});
D.after(async () => {
  await browser?.close();
});
D.before.each((ctx) => setup(ctx));
D.after.each((ctx) => {
  killRunningTasks(ctx.root);
  teardown(ctx);
});

/**
 * The tasks a failed test left running: their process groups outlive the SIGKILLed worker and
 * would hold its output pipe open (and this run with it).
 */
function killRunningTasks(root: string): void {
  for (const name of names(root, 'running')) {
    try {
      const pgid = /^PGID=(\d+)$/m.exec(fs.readFileSync(path.join(root, 'running', name), 'utf8'))?.[1];
      if (pgid) process.kill(-Number(pgid), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

const enqueue = async (ctx: Ctx, ...args: string[]) => {
  const r = await cli(['tasks-enqueue', ...args], { env: ctx.env, cwd: ctx.dir });
  assert.is(r.code, 0, r.stderr);
};
const inState = (ctx: Ctx, dir: string, id: string) => names(ctx.root, dir).some((n) => n.endsWith(`-${id}.task`));
const waitState = (ctx: Ctx, dir: string, id: string) => waitFor(`${id} in ${dir}/`, () => inState(ctx, dir, id), 20_000);
const worker = (ctx: Ctx, id = '0') => start(['worker', '--id', id], { env: ctx.env, cwd: ctx.dir });

/** The text of the first element matching, or undefined. */
const text = (page: Page, sel: string) => page.evaluate((s) => document.querySelector(s)?.textContent ?? undefined, sel);
/** Wait until the element's text is exactly this. */
const textIs = (page: Page, sel: string, want: string) =>
  page.waitForFunction(([s, w]) => document.querySelector(s)?.textContent?.trim() === w, [sel, want] as const, { timeout: 15_000 });
/** The IDs of the task rows shown, in order. */
const rows = (page: Page) => page.$$eval('tr[data-task]', (trs) => trs.map((tr) => tr.getAttribute('data-task')!));

async function open(s: Served, opts: { width?: number; colorScheme?: 'dark' | 'light'; token?: boolean } = {}): Promise<Page> {
  const page = await openPage(browser!, opts);
  page.setDefaultTimeout(15_000);
  page.on('dialog', (d) => void d.accept());
  await page.goto(opts.token === false ? s.url : `${s.url}?token=${s.token}`);
  return page;
}

function noProblems(page: Page): void {
  assert.equal(problems(page), [], 'no console errors, page errors or failed requests');
}

test('with the token: running, failed and queued tasks, workers and agents with the right counts; a task that ends after load shows done without a reload; search by label, ID and agent; an agent\'s screen and a message', async (ctx) => {
  await enqueue(ctx, '--id', 'broken', '--label', 'nightly', '--', 'echo oops >&2; exit 3');
  worker(ctx);
  await waitState(ctx, 'failed', 'broken');
  const go = path.join(ctx.dir, 'go');
  await enqueue(ctx, '--id', 'held', '--label', 'gpu', '--', `echo started; until [ -e ${go} ]; do sleep 0.05; done`);
  await waitState(ctx, 'running', 'held');
  await enqueue(ctx, '--id', 'q-1', '--label', 'batch', '--', 'true');
  await enqueue(ctx, '--id', 'q-2', '--label', 'batch', '--', 'true');
  await spawnFake(ctx, 'eng-1');
  const s = await serve(ctx.root, [], ctx.env);
  const page = await open(s);

  await textIs(page, '[data-count=queue] b', '2');
  assert.is(await text(page, '[data-count=running] b'), '1');
  assert.is(await text(page, '[data-count=failed] b'), '1');
  assert.is(await text(page, '[data-count=done] b'), '0');
  await page.waitForSelector('tr[data-task=held][data-state=running]');
  assert.match((await text(page, 'tr[data-task=broken][data-state=failed]')) ?? '', /exit 3/);
  assert.ok(await page.$('tr[data-task=q-1][data-state=queue]'));
  await page.waitForSelector('[data-worker]');
  // worker-0 runs held; the agent's team has a scheduler, a worker of its own (idle).
  await page.waitForSelector('[data-worker$=".sched-team"]');
  assert.equal(await page.$$eval('[data-worker]', (ws) => ws.map((w) => `${w.getAttribute('data-worker')!.replace(/^.*\./, '')} ${w.getAttribute('data-state')}`)), ['0 busy', 'sched-team idle']);
  assert.match((await text(page, '[data-worker$=".0"]')) ?? '', /worker-0.*held/);
  await page.waitForSelector('[data-agent=eng-1]');
  assert.is((await page.$$('[data-agent]')).length, 1);
  await page.evaluate(() => ((window as unknown as { loadedOnce: number }).loadedOnce = 1));

  fs.writeFileSync(go, '');
  await page.waitForSelector('tr[data-task=held][data-state=done]');
  await textIs(page, '[data-count=running] b', '0');
  await page.waitForSelector('[data-worker$=".0"][data-state=idle]');
  assert.is(await page.evaluate(() => (window as unknown as { loadedOnce?: number }).loadedOnce), 1, 'no reload');

  await page.fill('#search', 'nightly');
  await page.waitForFunction(() => [...document.querySelectorAll('tr[data-task]')].map((tr) => tr.getAttribute('data-task')).join() === 'broken');
  await page.fill('#search', 'q-2');
  await page.waitForFunction(() => [...document.querySelectorAll('tr[data-task]')].map((tr) => tr.getAttribute('data-task')).join() === 'q-2');
  await page.fill('#search', '');
  await page.fill('#label', 'batch');
  await page.waitForFunction(() => [...document.querySelectorAll('tr[data-task]')].map((tr) => tr.getAttribute('data-task')).sort().join() === 'q-1,q-2');
  await page.fill('#label', '');
  // An agent's turn (not due for an hour, so it stays queued): the agent box filters by agent.
  await enqueue(ctx, '--id', 'turn-1', '--agent', 'eng-1', '--in', '1h', '--', 'a later turn');
  await page.fill('#agent', 'eng-1');
  await page.waitForFunction(() => [...document.querySelectorAll('tr[data-task]')].map((tr) => tr.getAttribute('data-task')).join() === 'turn-1');
  await page.fill('#agent', '');

  await page.click('[data-agent=eng-1] button:has-text("Screen")');
  await page.waitForFunction(() => /fake>/.test(document.querySelector('[data-agent=eng-1] [data-screen]')?.textContent ?? ''));
  await page.fill('[data-agent=eng-1] [data-message]', 'hello from the page');
  await page.press('[data-agent=eng-1] [data-message]', 'Enter');
  await waitFor('the message delivered', () => received(ctx, 'eng-1').length === 1, 20_000);
  assert.equal(received(ctx, 'eng-1'), ['[from dashboard] hello from the page']);
  await page.waitForSelector('.toast.ok');
  noProblems(page);
});

test('retry and cancel from the page: one failed task, all failed, a queued task, a worker\'s running task; the detail shows the log live', async (ctx) => {
  const ok = path.join(ctx.dir, 'ok');
  await enqueue(ctx, '--id', 'flaky', '--', `if [ -e ${ok} ]; then echo fine; else echo not yet; exit 1; fi`);
  await enqueue(ctx, '--id', 'later', '--in', '1h', '--', 'true');
  worker(ctx);
  await waitState(ctx, 'failed', 'flaky');
  const s = await serve(ctx.root, [], ctx.env);
  const page = await open(s);

  await page.click('tr[data-task=flaky] button.link');
  await page.waitForSelector('[data-detail=flaky] [data-detail-state]');
  await page.waitForFunction(() => /not yet/.test(document.querySelector('[data-detail=flaky] [data-log]')?.textContent ?? ''));
  fs.writeFileSync(ok, '');
  await page.click('[data-detail=flaky] [data-action=retry]');
  await page.waitForSelector('tr[data-task=flaky][data-state=done]');
  await page.waitForFunction(() => /fine/.test(document.querySelector('[data-detail=flaky] [data-log]')?.textContent ?? ''));
  assert.is(await text(page, '[data-detail=flaky] [data-detail-state]'), 'done');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-detail]', { state: 'detached' });

  await page.click('tr[data-task=later] [data-action=cancel]');
  await page.waitForSelector('tr[data-task=later][data-status=cancelled]');

  await enqueue(ctx, '--id', 'spin', '--', 'for i in $(seq 1 600); do echo tick $i; sleep 0.1; done');
  await page.waitForSelector('tr[data-task=spin][data-state=running]');
  await page.click('tr[data-task=spin] button.link');
  await page.waitForFunction(() => /tick 3/.test(document.querySelector('[data-detail=spin] [data-log]')?.textContent ?? ''), undefined, { timeout: 15_000 });
  await page.keyboard.press('Escape');
  await page.click('[data-worker] [data-action=cancel]');
  await page.waitForSelector('tr[data-task=spin][data-status=cancelled]');
  assert.ok(inState(ctx, 'failed', 'spin'));

  await page.click('[data-tab=failed]');
  await page.waitForFunction(() => [...document.querySelectorAll('tr[data-task]')].map((tr) => tr.getAttribute('data-task')).sort().join() === 'later,spin');
  await page.click('[data-action=retry-all]');
  await textIs(page, '[data-count=failed] b', '0');
  await page.waitForSelector('[data-empty]');
  assert.not.ok(inState(ctx, 'failed', 'later'));
  assert.ok(inState(ctx, 'queue', 'later') || inState(ctx, 'running', 'later'));

  const cancel = await cli(['tasks-cancel', 'spin'], { env: ctx.env });
  assert.is(cancel.code, 0, cancel.stderr);
  await page.waitForSelector('[data-worker][data-state=idle]');
  await page.click('[data-worker] [data-action=stop]');
  await waitFor('the worker drained and gone', async () => (await request(s, '/api/workers')).json.workers.every((w: { alive: boolean }) => !w.alive), 20_000);
  noProblems(page);
});

test('without the token the page shows no data, and says how to get in; the page\'s files hold nothing secret', async (ctx) => {
  await enqueue(ctx, '--id', 'secret-task', '--label', 'private', '--', 'true');
  const s = await serve(ctx.root, [], ctx.env);
  const page = await open(s, { token: false });
  await page.waitForSelector('[data-locked]');
  const body = (await text(page, 'body')) ?? '';
  assert.match(body, /needs the server's token/);
  assert.not.match(body, /secret-task|private/);
  assert.is(await page.$('[data-count]'), null);
  const wrong = await openPage(browser!);
  await wrong.goto(`${s.url}?token=${'x'.repeat(43)}`).catch(() => undefined);
  assert.not.match((await text(wrong, 'body')) ?? '', /secret-task/);
  for (const p of ['/assets/../serve.token', '/assets/%2e%2e/serve.token', '/assets/%2e%2e/%2e%2e/tasks']) {
    const r = await request(s, p, { token: null });
    assert.ok(r.status === 404 || r.status === 401, `${p}: ${r.status}`);
    assert.not.ok(r.text.includes(s.token), p);
  }
  assert.equal((await request(s, '/api/whoami', { token: null })).json, { authenticated: false, readOnly: false });
  noProblems(page);
});

test('--read-only shows no action anywhere: no retry, cancel, stop, retry-all or message box', async (ctx) => {
  await enqueue(ctx, '--id', 'broken', '--', 'exit 1');
  worker(ctx);
  await waitState(ctx, 'failed', 'broken');
  await enqueue(ctx, '--id', 'long', '--', 'sleep 30');
  await waitState(ctx, 'running', 'long');
  await enqueue(ctx, '--id', 'waiting', '--', 'true');
  await spawnFake(ctx, 'eng-1');
  const s = await serve(ctx.root, ['--read-only'], ctx.env);
  const page = await open(s);
  await page.waitForSelector('tr[data-task=long][data-state=running]');
  await page.waitForSelector('[data-agent=eng-1]');
  await page.waitForSelector('[data-readonly]');
  await page.click('[data-tab=failed]');
  await page.waitForSelector('tr[data-task=broken]');
  await page.click('tr[data-task=broken] button.link');
  await page.waitForSelector('[data-detail=broken] [data-detail-state]');
  assert.is((await page.$$('[data-action], [data-message], button:has-text("Retry"), button:has-text("Cancel"), button:has-text("Stop"), button:has-text("Send")')).length, 0);
  await cli(['tasks-cancel', 'long'], { env: ctx.env });
  noProblems(page);
});

test('keyboard and a phone: / searches, j/k and Enter open a task, Escape closes; 390 px wide without sideways scrolling, in dark mode', async (ctx) => {
  await enqueue(ctx, '--id', 'first', '--', 'true');
  await enqueue(ctx, '--id', 'second', '--label', 'a-rather-long-label', '--', `echo ${'a long command line '.repeat(8)}`);
  const s = await serve(ctx.root, [], ctx.env);
  const page = await open(s, { width: 390, colorScheme: 'dark' });
  await page.waitForSelector('tr[data-task=second]');
  assert.equal(await rows(page), ['second', 'first']);
  await page.keyboard.press('/');
  assert.is(await page.evaluate(() => document.activeElement?.id), 'search');
  await page.keyboard.press('Escape');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-detail]');
  assert.is(await page.evaluate(() => document.querySelector('[data-detail]')?.getAttribute('data-detail')), 'first');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-detail]', { state: 'detached' });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `page is ${wide} px wide at 390`);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.is(bg, 'rgb(13, 17, 23)', 'dark by the OS preference');
  noProblems(page);
});

D.run();
