/**
 * `doctor`: every check a user would otherwise make by hand when something is off, each one line
 * (ok, warn or fail) with the command that fixes a problem. Reads only; changes nothing. The
 * checks run in order and never stop each other: one that throws is reported as failed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { OrcError } from '../errors.js';
import { existingRoot } from '../root.js';
import { checkSafe } from '../queue/trust.js';
import { health } from '../queue/list.js';
import { readTask, tree, type Tree } from '../queue/tree.js';
import { listWorkers } from '../queue/workers.js';
import { findConfigFile } from '../config/find.js';
import { readConfigFile } from '../config/file.js';
import { resolveSettings, userEnv } from '../config/resolve.js';
import { listAgents } from '../agents/registry.js';
import { programOf } from '../agents/command.js';
import { CHECKIN_LABEL } from '../agents/scheduler.js';
import { findSession, sessionConfig } from '../session/context.js';
import { panes } from '../session/panes.js';
import { tmuxClient } from '../tmux/client.js';

export type Status = 'ok' | 'warn' | 'fail';

export interface Check {
  check: string;
  status: Status;
  message: string;
  /** The command (or step) that fixes it, for warn and fail. */
  fix?: string;
}

export interface DoctorOptions {
  root?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const ok = (check: string, message: string): Check => ({ check, status: 'ok', message });
const warn = (check: string, message: string, fix: string): Check => ({ check, status: 'warn', message, fix });
const bad = (check: string, message: string, fix: string): Check => ({ check, status: 'fail', message, fix });

/** The program's path on PATH, or undefined. */
function which(program: string, envPath = ''): string | undefined {
  for (const d of envPath.split(':')) {
    if (!d) continue;
    const p = path.join(d, program);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // next
    }
  }
  return undefined;
}

const version = (text: string) => /(\d+)\.(\d+)/.exec(text)?.slice(1).map(Number) ?? [0, 0];
const atLeast = ([a, b]: number[], [x, y]: number[]) => a > x || (a === x && b >= y);

/** The part of a message after `run:` or `(run …)`: the fix the library already names. */
function fixIn(message: string): string | undefined {
  return /; run: (.+)$/.exec(message)?.[1] ?? /\(run (.+?)(?: to .*)?\)/.exec(message)?.[1] ?? /; (create it with .+)$/.exec(message)?.[1];
}

function tools(env: NodeJS.ProcessEnv): Check[] {
  const out: Check[] = [];
  const node = version(process.versions.node);
  out.push(atLeast(node, [20, 19]) ? ok('node', `v${process.versions.node}`) : bad('node', `v${process.versions.node} is older than 20.19`, 'install Node >= 20.19 (e.g. nvm install 20)'));
  const tmux = which('tmux', env.PATH);
  if (!tmux) out.push(bad('tmux', 'tmux is not on PATH', 'sudo apt-get install tmux (tmux >= 3.2)'));
  else {
    let v = '';
    try {
      v = execFileSync(tmux, ['-V'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // reported below
    }
    out.push(atLeast(version(v), [3, 2]) ? ok('tmux', `${v} (${tmux})`) : bad('tmux', `${v || 'tmux -V failed'}: tmux >= 3.2 is needed`, 'sudo apt-get install tmux (or a newer tmux)'));
  }
  for (const [prog, pkg, why] of [['perl', 'perl-base', 'workers run tasks with it'], ['bash', 'bash', 'tasks run with bash -c']] as const) {
    const p = which(prog, env.PATH);
    out.push(p ? ok(prog, p) : bad(prog, `${prog} is not on PATH (${why})`, `sudo apt-get install ${pkg}`));
  }
  return out;
}

function configCheck(env: NodeJS.ProcessEnv, cwd: string): Check {
  try {
    const found = findConfigFile(env, cwd);
    if (!found) {
      resolveSettings({ env: userEnv(env), file: null });
      return ok('config', 'no config file (defaults and environment; tmux-orc config shows them)');
    }
    readConfigFile(found.file, found.how);
    resolveSettings({ env: userEnv(env), cwd });
    const st = fs.statSync(found.file);
    if (st.mode & 0o022) return warn('config', `${found.file} is writable by group or others: they could point tmux-orc at another tree`, `chmod go-w ${found.file}`);
    return ok('config', `${found.file} (tmux-orc config shows every setting and its source)`);
  } catch (err) {
    const m = (err as Error).message;
    const at = /^(\S+:\d+):/.exec(m)?.[1];
    return bad('config', m, at ? `edit ${at} (tmux-orc config --help lists the settings)` : 'fix the variable named (tmux-orc config shows every setting)');
  }
}

function treeChecks(t: Tree): Check[] {
  const out: Check[] = [];
  try {
    checkSafe(t);
    out.push(ok('tree', `${t.root}: private (0700, yours) and its parents are safe`));
  } catch (err) {
    const m = (err as Error).message;
    out.push(bad('tree', m, fixIn(m) ?? `tmux-orc tasks-init --root ${t.root}`));
    return out;
  }
  try {
    const s = fs.statfsSync(t.root);
    const avail = s.bavail * s.bsize;
    const pct = s.blocks ? (100 * s.bavail) / s.blocks : 100;
    const where = `${(avail / 2 ** 20).toFixed(avail < 2 ** 30 ? 1 : 0)} MiB free (${pct.toFixed(1)}%)`;
    const fix = `free space on the tree's filesystem: tmux-orc tasks-clean --hours 1, or move the tree (df -h ${t.root})`;
    if (avail < 16 * 2 ** 20 || pct < 1) out.push(bad('disk', `${where}: enqueues and settles will fail`, fix));
    else if (avail < 512 * 2 ** 20 || pct < 5) out.push(warn('disk', `${where}: running low`, fix));
    else out.push(ok('disk', where));
    if (s.files > 0) {
      const ipct = (100 * s.ffree) / s.files;
      const fixI = `free inodes: tmux-orc tasks-clean --hours 1 (df -i ${t.root})`;
      if (s.ffree < 1000 || ipct < 1) out.push(bad('inodes', `${s.ffree} inodes free (${ipct.toFixed(1)}%): every task is a file`, fixI));
      else if (ipct < 5) out.push(warn('inodes', `${s.ffree} inodes free (${ipct.toFixed(1)}%)`, fixI));
      else out.push(ok('inodes', `${s.ffree} free (${ipct.toFixed(0)}%)`));
    }
  } catch (err) {
    out.push(warn('disk', `cannot read the filesystem's free space: ${(err as Error).message}`, `df -h ${t.root}`));
  }
  return out;
}

function inotify(): Check {
  const read = (k: string) => Number(fs.readFileSync(`/proc/sys/fs/inotify/${k}`, 'utf8').trim());
  try {
    const watches = read('max_user_watches');
    const instances = read('max_user_instances');
    const fix = 'sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512 (and in /etc/sysctl.d/ to keep it); workers still rescan every 2 s without it';
    if (watches < 8192 || instances < 128) return warn('inotify', `max_user_watches ${watches}, max_user_instances ${instances}: low for many workers and tail -f`, fix);
    return ok('inotify', `max_user_watches ${watches}, max_user_instances ${instances} (each worker uses one)`);
  } catch {
    return warn('inotify', 'no /proc/sys/fs/inotify: workers fall back to rescans', 'run workers with --poll');
  }
}

function queueChecks(t: Tree, session: string): Check[] {
  const out: Check[] = [];
  const h = health(t);
  out.push(h.stale.length
    ? bad('stale tasks', `${h.stale.length} abandoned run(s) in running/: ${h.stale.map((s) => s.id).slice(0, 5).join(', ')}`, 'tmux-orc tasks-health --fix')
    : ok('stale tasks', `none (${h.counts.queue} queued, ${h.counts.running} running)`));
  const dead = h.workers.filter((w) => !w.alive);
  out.push(dead.length
    ? warn('stale workers', `${dead.length} worker(s) died without unregistering: ${dead.map((w) => `${w.id} (pid ${w.pid})`).slice(0, 5).join(', ')}`, 'tmux-orc tasks-start (restarts crashed workers in their panes)')
    : ok('workers', `${h.liveWorkers} live`));
  if (h.counts.queue > 0 && h.liveWorkers === 0) out.push(warn('workers', `${h.counts.queue} task(s) queued and no live worker`, 'tmux-orc tasks-start (or tmux-orc worker in a terminal)'));
  // Check-ins: armed ones need the scheduler (a worker taking only them).
  let armed = 0;
  const names = fs.readdirSync(t.dir('queue'));
  if (names.length <= 50_000) {
    for (const n of names) {
      const r = readTask(path.join(t.dir('queue'), n));
      if (r?.ok && r.task.label === CHECKIN_LABEL) armed++;
    }
  }
  if (armed) {
    const id = `sched-${session.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    const sched = listWorkers(t).find((w) => w.id === id && w.alive);
    out.push(sched
      ? ok('scheduler', `running (pid ${sched.pid}) for ${armed} armed check-in(s)`)
      : bad('scheduler', `${armed} check-in(s) armed but no scheduler runs (worker ${id}): they will not fire on time`, 'tmux-orc init (starts the scheduler when check-ins are armed)'));
  } else out.push(ok('scheduler', 'no check-ins armed'));
  return out;
}

async function sessionChecks(env: NodeJS.ProcessEnv): Promise<Check[]> {
  const cfg = sessionConfig(env);
  if (!which('tmux', env.PATH)) return [warn('session', `not checked: no tmux`, 'install tmux first')];
  const tmux = tmuxClient(cfg.socket);
  const sid = await findSession(tmux, cfg.session);
  if (!sid) return [warn('session', `no session "${cfg.session}" on tmux server "${cfg.socket}"`, 'tmux-orc init (then tmux-orc tasks-start)')];
  const all = await panes(tmux, sid);
  const dead = all.filter((p) => p.dead);
  if (dead.length) return [warn('session', `"${cfg.session}": ${dead.length} of ${all.length} pane(s) dead: ${dead.map((p) => `${p.windowName}.${p.paneIndex}`).join(', ')}`, 'tmux-orc tasks-start (worker panes), tmux-orc agent revive (agents)')];
  return [ok('session', `"${cfg.session}" on "${cfg.socket}": ${all.length} pane(s), ${all.filter((p) => p.worker !== undefined).length} worker pane(s)`)];
}

const INSTALL: Record<string, string> = {
  claude: 'npm install -g @anthropic-ai/claude-code',
  codex: 'npm install -g @openai/codex',
  aider: 'python3 -m pip install aider-install && aider-install',
  ollama: 'curl -fsSL https://ollama.com/install.sh | sh',
};

function agentChecks(root: string, env: NodeJS.ProcessEnv): Check[] {
  const agents = listAgents(root);
  if (!agents.length) return [ok('agents', 'none recorded')];
  const missing = new Map<string, string[]>();
  for (const a of agents) {
    const prog = programOf(a.command);
    if (prog === undefined) continue;
    const found = prog.includes('/') ? fs.existsSync(path.resolve(a.cwd, prog)) : !!which(prog, env.PATH);
    if (!found) missing.set(prog, [...(missing.get(prog) ?? []), a.name]);
  }
  if (!missing.size) return [ok('agents', `${agents.length} recorded; their programs are on PATH`)];
  return [...missing].map(([prog, names]) => bad('agents', `${prog} (for ${names.join(', ')}) is not on PATH`, INSTALL[path.basename(prog)] ?? `install ${prog}, or put it on PATH`));
}

function tokenCheck(root: string): Check | undefined {
  const file = path.join(root, 'serve.token');
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (!st.isFile()) return bad('serve token', `${file} is not a regular file`, `rm ${file} (serve makes a new one)`);
  if (st.uid !== process.getuid?.()) return bad('serve token', `${file} is owned by uid ${st.uid}`, `rm ${file} (serve makes a new one)`);
  if (st.mode & 0o077) return bad('serve token', `${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}): anyone could call the server`, `chmod 600 ${file}`);
  return ok('serve token', `${file} (0600)`);
}

/** Run every check. */
export async function doctor(o: DoctorOptions = {}): Promise<Check[]> {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const out: Check[] = [...tools(env), configCheck(env, cwd)];
  const guard = async (name: string, fn: () => Check[] | Promise<Check[]>) => {
    try {
      out.push(...(await fn()));
    } catch (err) {
      const m = err instanceof OrcError || err instanceof Error ? err.message : String(err);
      out.push(bad(name, m, fixIn(m) ?? 'see the message'));
    }
  };
  let t: Tree | undefined;
  await guard('tree', () => {
    try {
      t = tree(existingRoot({ root: o.root, cwd, env }).root);
      return [];
    } catch (err) {
      if (err instanceof OrcError && err.code === 'not-found') return [warn('tree', err.message, fixIn(err.message) ?? 'tmux-orc tasks-init')];
      throw err;
    }
  });
  if (t) {
    const tr = t;
    const trees = treeChecks(tr);
    out.push(...trees);
    if (!trees.some((c) => c.check === 'tree' && c.status === 'fail')) {
      let session = 'agents';
      try {
        session = sessionConfig(env).session;
      } catch {
        // the config check said so
      }
      await guard('queue', () => queueChecks(tr, session));
      await guard('agents', () => agentChecks(tr.root, env));
      const tok = tokenCheck(tr.root);
      if (tok) out.push(tok);
    }
  }
  out.push(inotify());
  await guard('session', () => sessionChecks(env));
  return out;
}
