/**
 * Scenario 7, the faces people look at, on a tree of many queued tasks: `top`'s refresh (one
 * look at the tree with the same sampler `top` uses, plus drawing the frame) and the dashboard's
 * first render (added with the dashboard). Runnable alone: BENCH_ONLY=7.
 */
import path from 'node:path';
import { CLI, median, nowMs, run } from './measure.js';
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
