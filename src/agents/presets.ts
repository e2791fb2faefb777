/**
 * Agent presets: the command line each known agent CLI starts with, and the screen patterns that
 * tell its states apart. Patterns are heuristics read off each tool's terminal UI; they are matched
 * against the bottom of the screen only, so old scrollback cannot keep an agent "busy".
 * Any of them can be overridden per agent (`--ready-pattern`, `--busy-pattern`, `--waiting-pattern`).
 */

/** The screen patterns of one agent CLI (JavaScript regular expression sources, flag `m`). */
export interface Patterns {
  /** Seen when the agent shows its input prompt and can take a message. */
  ready?: string;
  /** Seen while the agent is working (a spinner line, "esc to interrupt"). */
  busy?: string;
  /** Seen when the agent waits for a permission or confirmation answer. */
  waiting?: string;
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
    ready: String.raw`^\s*(│\s*)?[>❯](\s|$)|\? for shortcuts`,
    busy: String.raw`esc to interrupt|ctrl\+c to interrupt`,
    waiting: String.raw`Do you want to|Would you like to|\(y/n\)|❯\s*1\.\s*Yes|Yes, and don't ask again|Do you trust the files`,
  },
  codex: {
    name: 'codex',
    command: 'codex',
    describe: 'OpenAI Codex CLI',
    ready: String.raw`^\s*(│\s*)?[>›▌](\s|$)|send\s+message|⏎ send`,
    busy: String.raw`[Ee]sc to interrupt|Working \(`,
    waiting: String.raw`Allow command\?|Approve|\[y/N\]|\(y/n\)|Yes, proceed`,
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
