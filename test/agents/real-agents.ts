/**
 * The real agent CLIs for tests, set up to reach their prompts with no network (FIELD-NOTES "Real
 * agent CLIs offline"): each function prepares a home directory under `dir` and returns the binary,
 * the environment to run it with, and the same as `agent spawn --env` options — or why to skip.
 * Installed by scripts/test-deps.d/agents.sh. Call `stopRealAgents(dir)` in teardown: Codex leaves a
 * daemon per CODEX_HOME running.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where scripts/test-deps.d/agents.sh installs them. */
export const AGENTS_DIR = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tmux-orc', 'agents');
const BIN_DIR = path.join(AGENTS_DIR, 'node_modules', '.bin');

/** A real agent CLI ready to spawn. */
export interface RealAgent {
  /** Absolute path of its binary. */
  bin: string;
  /** Variables to add to the test's environment (PATH leads with the binary's directory). */
  env: Record<string, string>;
  /** `--env KEY=VALUE` options for `agent spawn` with the same variables but PATH. */
  spawnArgs: string[];
}

/** Why a test cannot run here. */
export interface Skip {
  skip: string;
}

const DUMMY_ANTHROPIC_KEY = 'sk-ant-test-0000-offline-dummy-key-000000000000';

/**
 * Where the agents' API calls go: a closed local port, so that they fail and retry the same way with
 * or without a network (with one, a dummy key would be refused at once and the agent never busy).
 */
const NO_API = 'http://127.0.0.1:9';

function binary(name: string): string | Skip {
  const bin = path.join(BIN_DIR, name);
  return fs.existsSync(bin) ? bin : { skip: `${name} is not installed at ${bin} (bash scripts/test-deps.d/agents.sh installs it)` };
}

/** Why the tests of this CLI must skip here, or undefined when it is installed (decided before any set-up). */
export function realAgentMissing(name: 'claude' | 'codex'): string | undefined {
  const b = binary(name);
  return typeof b === 'string' ? undefined : b.skip;
}

function agent(bin: string, vars: Record<string, string>): RealAgent {
  return {
    bin,
    env: { ...vars, PATH: `${BIN_DIR}${path.delimiter}${process.env.PATH ?? ''}` },
    spawnArgs: Object.entries(vars).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
  };
}

/**
 * Claude Code with HOME=<dir>/claude-home and a dummy API key. By default onboarded, the key
 * approved and `cwd` (default `dir`) trusted, so it shows its prompt; `trusted: false` leaves the
 * folder untrusted, so it shows its trust dialog instead.
 */
export function realClaude(dir: string, opts: { cwd?: string; trusted?: boolean } = {}): RealAgent | Skip {
  const bin = binary('claude');
  if (typeof bin !== 'string') return bin;
  const home = path.join(dir, 'claude-home');
  fs.mkdirSync(home, { recursive: true });
  const cwd = fs.realpathSync(opts.cwd ?? dir);
  const config = {
    hasCompletedOnboarding: true,
    theme: 'dark',
    customApiKeyResponses: { approved: [DUMMY_ANTHROPIC_KEY.slice(-20)], rejected: [] },
    projects: opts.trusted === false ? {} : { [cwd]: { hasTrustDialogAccepted: true } },
  };
  fs.writeFileSync(path.join(home, '.claude.json'), JSON.stringify(config));
  return agent(bin, { HOME: home, ANTHROPIC_API_KEY: DUMMY_ANTHROPIC_KEY, ANTHROPIC_BASE_URL: NO_API, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' });
}

/**
 * Codex with CODEX_HOME=<dir>/codex-home and `cwd` (default `dir`) trusted. `loggedIn` logs in with
 * a dummy API key (its prompt); without it Codex shows its sign-in menu.
 */
export function realCodex(dir: string, opts: { loggedIn: boolean; cwd?: string }): RealAgent | Skip {
  const bin = binary('codex');
  if (typeof bin !== 'string') return bin;
  const home = path.join(dir, 'codex-home');
  fs.mkdirSync(home, { recursive: true });
  const cwd = fs.realpathSync(opts.cwd ?? dir);
  fs.writeFileSync(path.join(home, 'config.toml'), `openai_base_url = "${NO_API}/v1"\n\n[projects.${JSON.stringify(cwd)}]\ntrust_level = "trusted"\n`);
  const a = agent(bin, { CODEX_HOME: home, OPENAI_BASE_URL: `${NO_API}/v1` });
  if (opts.loggedIn) {
    execFileSync(bin, ['login', '--with-api-key'], { input: 'sk-test-offline-dummy\n', env: { ...process.env, ...a.env }, stdio: ['pipe', 'ignore', 'ignore'], timeout: 30_000 });
  }
  return a;
}

/**
 * Kill (SIGKILL, by pid) every process working in `dir`, run from under it or with a variable
 * pointing into it — the agents, their helpers, and the Codex app-server daemons, which outlive
 * their tmux server — and
 * wait until they are gone, so that removing `dir` races no late write. Only our own temp dir matches.
 */
export function stopRealAgents(dir: string | undefined): void {
  if (!dir || dir.length < 8) return;
  const under = (p: string) => p === dir || p.startsWith(`${dir}/`);
  const pids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number)) {
    if (pid === process.pid) continue;
    let hit = false;
    try {
      hit = under(fs.readlinkSync(`/proc/${pid}/cwd`)) || under(fs.readlinkSync(`/proc/${pid}/exe`));
      hit ||= fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some(under);
      // Helpers an agent starts may work elsewhere; they still carry its HOME or CODEX_HOME.
      hit ||= fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((kv) => under(kv.slice(kv.indexOf('=') + 1)));
    } catch {
      // gone already, or not ours to read
    }
    if (hit) pids.push(pid);
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 3000;
  const alive = (pid: number) => {
    try {
      return !/^\d+ \([^)]*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  while (pids.some(alive) && Date.now() < deadline) execFileSync('sleep', ['0.05']);
}
