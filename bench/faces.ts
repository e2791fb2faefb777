/**
 * Scenario `faces`, the faces people look at, on a tree of many queued tasks: `top`'s refresh (one
 * look at the tree with the same sampler `top` uses, plus drawing the frame) and the dashboard's
 * first render in headless Chromium. Runnable alone: BENCH_ONLY=faces.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLI, killGroup, median, nowMs, run, startChild, until } from './measure.js';
import { benchEnv } from './ours.js';
import { sampler } from '../src/top/snapshot.js';
import { render } from '../src/top/render.js';
import { ensureTree, tree } from '../src/queue/tree.js';

/** A tree of `n` queued tasks (one bulk enqueue), with a few failed ones for top's failure list. */
export async function facesTree(dir: string, n: number): Promise<string> {
  const root = path.join(dir, 'tasks');
  ensureTree(tree(root)); // only tasks-init and init create a tree
  const r = await run(process.execPath, [CLI, 'tasks-enqueue', '--root', root, '--stdin'], { input: `${Array(n).fill('true').join('\n')}\n`, env: benchEnv(), timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`bulk enqueue failed: ${r.stderr}`);
  return root;
}

/** top's refresh on that tree: the first look (cold, reads the latest failures too) and the median of `runs` later ones, in ms. */
export async function topRefresh(root: string, runs: number): Promise<{ firstMs: number; refreshMs: number }> {
  const look = sampler(tree(root));
  const frame = async () => {
    const t0 = nowMs();
    const s = await look.sample(false);
    render(s, { cols: 80, rows: 24, color: true, now: s.at });
    return nowMs() - t0;
  };
  const firstMs = await frame();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await frame());
  return { firstMs, refreshMs: median(samples) };
}

/**
 * The dashboard's first render on that tree: `tmux-orc serve` is started and warmed (one page
 * load first); then each run opens the page in a fresh headless Chromium context holding the
 * token's cookie and times, in the page, from navigation start to the counts being shown
 * (the queue's count equal to the tree's). Medians of `runs`, ms; undefined without Chromium.
 */
export async function dashboardFirstRender(root: string, expectQueued: number, runs: number): Promise<{ firstRenderMs: number; serverStartS: number } | { skipped: string }> {
  const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) return { skipped: `skipped (no Chromium: bash scripts/test-deps.d/chromium.sh)` };
  const { chromium } = await import('playwright-core');
  const t0 = nowMs();
  const server = startChild(process.execPath, [CLI, 'serve', '--root', root, '--port', '0'], { env: benchEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  server.stdout!.on('data', (d) => (out += d));
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless=new', '--no-sandbox'] });
  try {
    const m = await until('the server prints its URL', () => /open in a browser: (http:\/\/127\.0\.0\.1:(\d+)\/)\?token=(\S+)/.exec(out), 300_000, 20);
    const serverStartS = (nowMs() - t0) / 1000;
    const [, url, port, token] = m!;
    const once = async (): Promise<number> => {
      const ctx = await browser.newContext();
      await ctx.addCookies([{ name: `tmux-orc-${port}`, value: token, url }]);
      const page = await ctx.newPage();
      await page.goto(url);
      const shown = await page.waitForFunction((n) => document.querySelector('[data-count=queue] b')?.textContent?.replace(/,/g, '') === String(n) && performance.now(), expectQueued, { timeout: 60_000, polling: 'raf' });
      const ms = (await shown.jsonValue()) as number;
      await ctx.close();
      return ms;
    };
    await once(); // warm: the server's first answers, the browser's cache of the page's files
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await once());
    return { firstRenderMs: median(samples), serverStartS };
  } finally {
    await browser.close();
    killGroup(server);
  }
}
