/**
 * Scenario 7: `logs search` over 10,000 task logs of 100 KB each (1 GB), page-cached: wall time
 * and the searching process's peak RSS, for a fixed string and for a regular expression. The logs
 * hold build-like lines; ten of them hold the needle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ensureTree, tree } from '../src/queue/tree.js';
import { CLI, nowMs, peakRssMb, tempDir } from './measure.js';

export interface SearchSample {
  seconds: number;
  peakMb: number;
  matches: number;
}

/** A tree with `files` task logs of about `size` bytes each; returns its root. */
export function makeLogs(files: number, size: number): string {
  const root = path.join(tempDir('search'), 'tasks');
  ensureTree(tree(root));
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < size; i++) {
    const l = `[${String(i).padStart(6, '0')}] cc -O2 -c src/module_${i % 97}.c -o build/module_${i % 97}.o  # ok, 0 warnings`;
    lines.push(l);
    bytes += l.length + 1;
  }
  const body = `${lines.join('\n')}\n`;
  const needle = `${lines.slice(0, 500).join('\n')}\nFATAL: linker needle-4711 not found\n${lines.slice(501).join('\n')}\n`;
  for (let i = 0; i < files; i++) {
    const id = `t${String(i).padStart(6, '0')}`;
    fs.writeFileSync(path.join(root, 'logs', `${id}.out`), i % (files / 10) === 7 ? needle : body, { mode: 0o600 });
  }
  return root;
}

/** One `logs search` run: wall seconds and peak RSS (VmHWM sampled until it exits). */
export function searchRun(root: string, args: string[]): Promise<SearchSample> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn(process.execPath, [CLI, 'logs', 'search', '--root', root, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let peak = 0;
    child.stdout.on('data', (d) => (out += d));
    const timer = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) ?? 0)), 5);
    child.on('error', reject);
    child.on('exit', () => {
      clearInterval(timer);
      resolve({ seconds: (nowMs() - t0) / 1000, peakMb: peak, matches: out.split('\n').filter(Boolean).length });
    });
  });
}
