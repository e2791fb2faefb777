/**
 * Agent presets: the command line each known agent CLI starts with, and the screen patterns that
 * tell its states apart. Patterns are read off each tool's terminal UI; they are matched against the
 * bottom of the screen only, so old scrollback cannot keep an agent "busy". The claude and codex
 * patterns were taken from the real screens recorded in test/fixtures/screens/ (table-tested there);
 * the versions they were read from are TESTED_VERSIONS. Any of ready/busy/waiting can be overridden
 * per agent (`--ready-pattern`, `--busy-pattern`, `--waiting-pattern`).
 */

/** The agent CLI versions the claude and codex patterns were recorded from (README "Agents"). */
export const TESTED_VERSIONS = { claude: '@anthropic-ai/claude-code@2.1.328', codex: '@openai/codex@0.169.0' } as const;

/**
 * A program with no ready pattern (no preset, no --ready-pattern) counts as ready once its screen has
 * not changed for this long, whatever it shows (an empty screen too: `cat > file` prints nothing).
 */
export const QUIET_READY_MS = 2000;

/** The screen patterns of one agent CLI (JavaScript regular expression sources, flag `m`). */
export interface Patterns {
  /** Seen when the agent shows its input prompt and can take a message. */
  ready?: string;
  /** Seen while the agent is working (a spinner line, "esc to interrupt"). */
  busy?: string;
  /** Seen when the agent waits for a permission or confirmation answer. */
  waiting?: string;
  /**
   * Seen on a screen shown before the prompt that a person must answer: sign-in, onboarding, trust
   * or update. Such an agent is `needs-login`, is never briefed, and its spawn fails saying so.
   */
  login?: string;
  /**
   * Matches the first line of the agent's input box (the last match on screen); group 1 is the text
   * typed there, empty or unset for an empty box or its placeholder. Before a paste, text there (an
   * interrupted message put back) is cleared, never appended to.
   */
  input?: string;
}

/** A known agent CLI. */
export interface Preset extends Patterns {
  name: string;
  /** The command line run in the agent's window (through the default shell). */
  command: string;
  describe: string;
}

export const PRESETS: Record<string, Preset> = {
  claude: {
    name: 'claude',
    command: 'claude',
    describe: 'Claude Code',
    // The prompt is `❯` at the left edge right under a rule; dialogs indent their `❯` (` ❯ No, exit`).
    ready: String.raw`^─{8,}[^\S\n]*\n❯(\s|$)`,
    // Its footer says "esc to interrupt" while it works (also while it retries an unreachable API).
    busy: String.raw`esc to interrupt|ctrl\+c to interrupt`,
    waiting: String.raw`Do you want to proceed|Do you want to make this edit|Do you want to create|Would you like to|\(y/n\)|^\s*❯\s*1\.\s*Yes|Yes, and don't ask again`,
    login: String.raw`Is this a project you created or one you trust|Yes, I trust this folder|Do you trust the files|Do you want to use this API key|Select login method|Choose the text style|Unable to connect to Anthropic services|Press Enter to continue`,
    input: String.raw`^─{8,}[^\S\n]*\n❯[^\S\n]?(.*)$`,
  },
  codex: {
    name: 'codex',
    command: 'codex',
    describe: 'OpenAI Codex CLI',
    // The composer is `› ` at the left edge with its model and folder line (`gpt-x default · /dir`)
    // under it. Before its sign-in menu, a Codex that is not logged in shows the composer for a
    // moment without that line; menus number their items (`> 1. Sign in with ChatGPT`).
    ready: String.raw`^›\s(?!\d+\.\s).*\n(?:.*\n){0,40}?  \S.* · [~/]`,
    busy: String.raw`[Ee]sc to interrupt|Working \(`,
    waiting: String.raw`Allow command\?|Would you like to run|Would you like to make|\[y/N\]|\(y/n\)|Yes, proceed`,
    login: String.raw`Sign in with ChatGPT|Sign in with Device Code|Welcome to Codex|Press enter to continue|allow Codex to work in this folder|Update available!|Skip until next version`,
    // Its empty composer shows a dim placeholder; the plain text cannot tell it from typed text.
    input: String.raw`^›[^\S\n](?!\d+\.\s)(?:Ask Codex to do anything$|Ask a follow-up question$|(.*)$)`,
  },
  aider: {
    name: 'aider',
    command: 'aider',
    describe: 'Aider',
    ready: String.raw`^(\S*\s)?>\s*$`,
    busy: String.raw`Waiting for|Thinking|^\s*[░█▒]+`,
    waiting: String.raw`\((Y)es/\(N\)o|\[Yes\]:|\(Y\)es`,
  },
  ollama: {
    name: 'ollama',
    command: 'ollama run qwen3-coder',
    describe: 'a local model through Ollama (set --command to choose the model)',
    ready: String.raw`^>>>(\s|$)|Send a message`,
    busy: String.raw`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\s*$`,
  },
  shell: {
    name: 'shell',
    command: '',
    describe: 'your login shell (for scripted agents and debugging)',
    ready: String.raw`[$#%>]\s*$`,
  },
};

/** Names for help texts and error messages. */
export const PRESET_NAMES = Object.keys(PRESETS);

/** The preset of this name, or undefined. */
export function findPreset(name: string): Preset | undefined {
  return Object.prototype.hasOwnProperty.call(PRESETS, name) ? PRESETS[name] : undefined;
}

/** A regular expression from a pattern source; throws a readable Error when it does not compile. */
export function compilePattern(source: string | undefined, what: string): RegExp | undefined {
  if (source === undefined || source === '') return undefined;
  try {
    return new RegExp(source, 'm');
  } catch (err) {
    throw new Error(`${what} is not a valid regular expression: ${(err as Error).message}`);
  }
}
