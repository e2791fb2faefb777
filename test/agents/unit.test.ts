/** The pure parts of agents, as tables: status classifier and debounce, submission check, spec errors, WHEN. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classify, debounce, type AgentState, type Debounced, type Sample } from '../../src/agents/status.ts';
import { cursorWentDown, distanceFromBottom, looksSubmitted, messageTail } from '../../src/agents/submit.ts';
import { parseSpec } from '../../src/agents/spec.ts';
import { parseEvery, parseWhen } from '../../src/agents/schedule.ts';
import { programOf } from '../../src/agents/command.ts';
import { parseTarget } from '../../src/agents/pane.ts';
import { renderBrief } from '../../src/agents/brief.ts';
import { PRESETS } from '../../src/agents/presets.ts';
import { OrcError } from '../../src/errors.ts';

const T0 = 1_000_000_000_000;
const timing = { quietMs: 3000, startupMs: 60_000, debounceMs: 3000 };
const claude = { ready: new RegExp(PRESETS.claude.ready!, 'm'), busy: new RegExp(PRESETS.claude.busy!, 'm'), waiting: new RegExp(PRESETS.claude.waiting!, 'm'), login: new RegExp(PRESETS.claude.login!, 'm') };
const RULE = '─'.repeat(40);
const PROMPT = `${RULE}\n❯ \n${RULE}\n  ? for shortcuts`;
/** A program with a prompt pattern but no busy pattern: screen changes decide busy. */
const promptOnly = { ready: /^>\s*$/m };

function sample(over: Partial<Sample> & { quietMs?: number }): Sample {
  const now = T0 + 120_000;
  return { now, pane: { dead: false, activity: now - (over.quietMs ?? 10_000) }, screen: PROMPT, patterns: claude, started: T0, ...over };
}

test('classify: each state, with the reason it was chosen', () => {
  const rows: Array<[string, Sample, AgentState, RegExp]> = [
    ['pane gone', sample({ pane: undefined, goneReason: 'no window' }), 'dead', /no window/],
    ['pane exited', sample({ pane: { dead: true, deadStatus: 3, activity: T0 } }), 'dead', /exited with status 3/],
    ['permission prompt', sample({ screen: 'Bash(rm -rf x)\nDo you want to proceed?\n❯ 1. Yes' }), 'waiting-for-input', /preset pattern matched: "Do you want to/],
    ['spinner', sample({ screen: `✻ Thinking… (esc to interrupt)\n${PROMPT}`, quietMs: 0 }), 'busy', /preset pattern matched: "esc to interrupt"/],
    ['trust dialog', sample({ screen: `${RULE}\n Is this a project you created or one you trust?\n ❯ No, exit\n   Yes, I trust this folder` }), 'needs-login', /sign-in, onboarding or trust screen.*"Is this a project/],
    ['footer changed just now, busy pattern absent', sample({ quietMs: 0 }), 'idle', /at its prompt, no busy sign/],
    ['output just now, no busy pattern', sample({ screen: 'x\n> ', patterns: promptOnly, quietMs: 500 }), 'busy', /screen changed 1s ago|screen changed 0s ago/],
    ['quiet at its prompt, no busy pattern', sample({ screen: 'x\n> ', patterns: promptOnly, quietMs: 12_000 }), 'idle', /screen unchanged for 12s/],
    ['no patterns, empty screen, quiet', sample({ screen: '', patterns: {}, quietMs: 5000 }), 'idle', /screen unchanged for 5s/],
    ['no prompt yet, young', sample({ screen: 'Loading…', started: T0 + 110_000 }), 'starting', /no prompt on screen yet/],
    ['no prompt, old, quiet', sample({ screen: 'something odd', patterns: promptOnly }), 'unknown', /no prompt on screen/],
    ['screen unreadable', sample({ screen: undefined }), 'unknown', /could not be read/],
    ['old prompt in scrollback only', sample({ screen: `Do you want to proceed?\n${'line\n'.repeat(30)}${PROMPT}` }), 'idle', /at its prompt/],
  ];
  for (const [what, s, state, reason] of rows) {
    const o = classify(s, timing);
    assert.is(o.state, state, what);
    assert.match(o.reason, reason, what);
  }
});

test('debounce: a state is reported only once it held for the interval; dead is immediate', () => {
  const D = 3000;
  const obs = (state: AgentState, at: number, heldSince?: number) => ({ state, reason: state, at, heldSince });
  let d: Debounced | undefined;
  const steps: Array<[AgentState, number, AgentState]> = [
    ['idle', 0, 'idle'],
    ['busy', 1000, 'idle'], // new, not held yet
    ['idle', 2000, 'idle'], // flapped back: candidate dropped
    ['busy', 2500, 'idle'],
    ['busy', 4000, 'idle'], // held 1.5 s only
    ['busy', 5600, 'busy'], // held 3.1 s
    ['idle', 6000, 'busy'],
    ['busy', 6500, 'busy'],
    ['dead', 7000, 'dead'], // a fact from tmux: no wait
    ['starting', 7100, 'starting'],
  ];
  for (const [state, t, want] of steps) {
    d = debounce(d, obs(state, T0 + t), D);
    assert.is(d.state, want, `at +${t} ms after observing ${state}`);
  }
  // idle known to have held since the last output + quiet: adopted at once after a long gap
  const busy: Debounced = { state: 'busy', reason: 'x', since: T0 };
  assert.is(debounce(busy, obs('idle', T0 + 60_000, T0 + 10_000), D).state, 'idle');
});

test('submission check: pending text that stays put is not submitted; text that moved or left is', () => {
  const msg = 'first line\nplease run the tests';
  const pending = 'fake> [from pm] first line\nplease run the tests';
  assert.is(messageTail(msg), 'please run the tests');
  assert.is(distanceFromBottom(pending, 'please run the tests'), 0);
  assert.not.ok(looksSubmitted(pending, pending, msg), 'unchanged screen');
  assert.not.ok(looksSubmitted(`⠋ spinner\n${pending}`, `⠙ spinner\n${pending}`, msg), 'only a spinner changed');
  assert.ok(looksSubmitted(pending, `${pending}\n[received 40 chars]\nfake>`, msg), 'moved up');
  assert.ok(looksSubmitted('[Pasted text #1 +2 lines]', '> [Pasted text #1 +2 lines]\n\n✻ Thinking', msg), 'not echoed verbatim: any change');
  assert.is(messageTail('a\tb\x01  tail end  '), 'tail end');
  // A line-oriented program only echoes the newline: the cursor going to a new line's start is the sign.
  const rows: Array<[Parameters<typeof cursorWentDown>[0], Parameters<typeof cursorWentDown>[1], boolean]> = [
    [{ x: 11, y: 1 }, { x: 0, y: 2 }, true],
    [{ x: 11, y: 1 }, { x: 11, y: 1 }, false], // lost Enter
    [{ x: 11, y: 1 }, { x: 3, y: 2 }, false], // moved, but not to a line start
    [{ x: 0, y: 5 }, { x: 0, y: 4 }, false],
    [undefined, { x: 0, y: 2 }, false],
  ];
  for (const [b, a, want] of rows) assert.is(cursorWentDown(b, a), want, JSON.stringify([b, a]));
});

function specError(text: string): string {
  try {
    parseSpec(text, 'team.yaml');
  } catch (err) {
    assert.instance(err, OrcError);
    assert.is((err as OrcError).code, 'usage');
    return (err as Error).message;
  }
  throw new Error('spec was accepted');
}

test('team spec: errors name the file, line and field', () => {
  const ok = 'session: s1\nproject: /tmp\nagents:\n  - name: orc\n    role: orchestrator\n    preset: claude\n';
  assert.is(parseSpec(ok, 'team.yaml').agents[0].name, 'orc');
  assert.is(parseSpec('{"session":"s1","project":"/tmp","agents":[{"name":"a","role":"pm","command":"bash"}]}', 'team.json').agents[0].role, 'pm');
  assert.match(specError('session: s1\nproject: /tmp\nagents:\n  - name: orc\n    preset: claude\n'), /^team\.yaml:4: agents\[0\]\.role: is required$/);
  assert.match(specError(`${ok}  - name: eng\n    role: engineer\n    preset: gpt\n`), /^team\.yaml:9: agents\[1\]\.preset: unknown preset "gpt" \(known: claude, codex, aider, ollama, shell\)$/);
  assert.match(specError(`${ok}  - name: eng\n    role: engineer\n`), /^team\.yaml:7: agents\[1\]\.preset: give a preset or a command$/);
  assert.match(specError(`${ok}    colour: red\n`), /^team\.yaml:4: agents\[0\]: unknown field "colour"$/);
  assert.match(specError(`${ok}checkins:\n  - target: orc\n    note: hi\n    every: 0\n`), /^team\.yaml:10: checkins\[0\]\.every: must be a duration longer than zero/);
  assert.match(specError(`${ok}checkins:\n  - target: orc\n    note: hi\n    every: 30\n`), /^team\.yaml:10: checkins\[0\]\.every: "30" has no unit: give a unit, e.g. 30m/);
  assert.match(specError(`${ok}checkins:\n  - target: orc\n    note: hi\n    at: 5\n`), /^team\.yaml:10: checkins\[0\]\.at: "5" has no unit/);
  assert.match(specError(`${ok}checkins:\n  - target: nobody\n    note: hi\n`), /^team\.yaml:8: checkins\[0\]\.target: "nobody" is not an agent/);
  assert.match(specError('project: /tmp\nagents: []\n'), /^team\.yaml:1: session: is required$/);
  assert.match(specError('session: [unclosed\n'), /^team\.yaml:\d+: not valid YAML\/JSON/);
});

test('WHEN and --every: minutes, durations, times; zero refused', () => {
  const now = T0;
  // A bare number is refused: it meant minutes here, seconds everywhere else (README "Durations").
  assert.throws(() => parseWhen('30', now), (e: OrcError) => e.code === 'usage' && /^WHEN "30" has no unit: give a unit, e.g. 30m/.test(e.message));
  assert.is(parseWhen('1h30m', now), now + 5_400_000);
  assert.is(parseWhen('30m', now), now + 30 * 60_000);
  assert.is(parseWhen('2h', now), now + 7_200_000);
  assert.is(parseWhen('90s', now), now + 90_000);
  assert.is(parseWhen('2030-01-01T00:00:00Z', now), Date.parse('2030-01-01T00:00:00Z'));
  assert.ok(parseWhen('14:30', now) > now);
  assert.throws(() => parseWhen('soon', now), (e: OrcError) => e.code === 'usage');
  assert.is(parseEvery('30m'), 1_800_000);
  assert.throws(() => parseEvery('45'), (e: OrcError) => e.code === 'usage' && /^--every "45" has no unit: give a unit, e.g. 45m/.test(e.message));
  assert.throws(() => parseEvery('0'), (e: OrcError) => e.code === 'usage' && /longer than zero/.test(e.message));
  assert.throws(() => parseEvery('0s'), (e: OrcError) => e.code === 'usage');
});

test('small parsers: program of a command line, targets, briefing placeholders', () => {
  assert.is(programOf('claude --dangerously-skip-permissions'), 'claude');
  assert.is(programOf('FOO=1 exec ollama run qwen3-coder'), 'ollama');
  assert.is(programOf('cd x && claude'), undefined);
  assert.equal(parseTarget('%12'), { pane: '%12' });
  assert.equal(parseTarget('dev:editor.1'), { session: 'dev', window: 'editor', paneIndex: '1' });
  assert.equal(parseTarget('=dev:=2'), { session: 'dev', window: '2', paneIndex: undefined });
  assert.is(
    renderBrief('I am {{name}} ({{role}}), report to {{ reports_to }}; {{unknown}}', { name: 'e1', role: 'engineer', session: 's', cwd: '/', root: '/r', reports_to: 'pm1', team: '' }),
    'I am e1 (engineer), report to pm1; {{unknown}}',
  );
});

test.run();
