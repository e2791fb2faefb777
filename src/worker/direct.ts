/**
 * Which task commands may skip the shell. For a line of plain words, `bash -c 'make test'` only
 * splits the line and execs `make`; so such a line is exec'd directly, as make(1) does with its
 * recipes, and the launcher sets the few variables bash would have set (PWD, SHLVL, _). That is
 * bash's start-up saved on every task: ~1.5 ms of CPU here, a quarter of a drain of short tasks.
 *
 * Plain means nothing bash would expand or interpret: no quotes, `$`, backquotes, backslashes,
 * globs, redirections, operators, comments, braces, tildes or newlines, no assignment in front,
 * and a first word that is not a bash builtin or keyword (those would not run the same program).
 * `true` and `false` without arguments are the exception: /usr/bin/true and /usr/bin/false do
 * exactly what the builtins do. Anything else, and anything the launcher cannot exec itself (not
 * found, not executable, BASH_ENV or exported functions in the environment), runs with `bash -c`.
 * The Perl launcher does this; the Node fallback always runs `bash -c`.
 */

const PLAIN_WORD = /^[A-Za-z0-9_./,:+@%^=-]+$/;

/** `compgen -b -k` of bash 5. */
const SHELL_WORDS = new Set([
  '.', ':', '[', 'alias', 'bg', 'bind', 'break', 'builtin', 'caller', 'cd', 'command', 'compgen', 'complete', 'compopt',
  'continue', 'declare', 'dirs', 'disown', 'echo', 'enable', 'eval', 'exec', 'exit', 'export', 'false', 'fc', 'fg',
  'getopts', 'hash', 'help', 'history', 'jobs', 'kill', 'let', 'local', 'logout', 'mapfile', 'popd', 'printf', 'pushd',
  'pwd', 'read', 'readarray', 'readonly', 'return', 'set', 'shift', 'shopt', 'source', 'suspend', 'test', 'times',
  'trap', 'true', 'type', 'typeset', 'ulimit', 'umask', 'unalias', 'unset', 'wait',
  'if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'select', 'while', 'until', 'do', 'done', 'in',
  'function', 'time', '{', '}', '!', '[[', ']]', 'coproc',
]);

/** The argv to exec for a command line of plain words; undefined when it needs bash. */
export function directArgv(cmd: string): string[] | undefined {
  const words = cmd.split(/[ \t]+/).filter((w) => w !== '');
  if (words.length === 0 || !words.every((w) => PLAIN_WORD.test(w))) return undefined;
  const [first] = words;
  if (first.includes('=')) return undefined;
  if (SHELL_WORDS.has(first) && !(words.length === 1 && (first === 'true' || first === 'false'))) return undefined;
  return words;
}
