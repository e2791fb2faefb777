/**
 * The claude and codex preset patterns against real screens of those CLIs (captured with
 * `tmux capture-pane -p -J`, so without ANSI, from the versions in TESTED_VERSIONS): for each screen,
 * which patterns match, what `agent status` makes of it, and what the input box holds.
 * To add a screen: capture it into test/fixtures/screens/<preset>/<what>.txt and add a row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from '../helpers.ts';
import { pendingInput } from '../../src/agents/input.ts';
import { compilePattern, PRESETS } from '../../src/agents/presets.ts';
import { bottomLines, classify, type AgentState } from '../../src/agents/status.ts';

const DIR = path.join(REPO, 'test', 'fixtures', 'screens');
const screen = (file: string): string => fs.readFileSync(path.join(DIR, file), 'utf8').replace(/\s+$/, '');

type Kind = 'ready' | 'busy' | 'waiting' | 'login';
interface Row {
  file: string;
  /** The patterns that match the bottom of this screen. */
  matches: Kind[];
  state: AgentState;
  /** What the input box holds (undefined: empty). */
  input?: string;
}

const ROWS: Record<'claude' | 'codex', Row[]> = {
  claude: [
    { file: 'idle.txt', matches: ['ready'], state: 'idle' },
    { file: 'idle-footer-notice.txt', matches: ['ready'], state: 'idle' },
    { file: 'typed-not-sent.txt', matches: ['ready'], state: 'idle', input: 'first line "quoted"' },
    { file: 'busy-retrying.txt', matches: ['ready', 'busy'], state: 'busy' },
    { file: 'interrupted-text-back.txt', matches: ['ready'], state: 'idle', input: 'first line "quoted"' },
    { file: 'trust-dialog.txt', matches: ['login'], state: 'needs-login' },
    { file: 'api-key-dialog.txt', matches: ['login'], state: 'needs-login' },
    { file: 'splash-offline.txt', matches: ['login'], state: 'needs-login' },
  ],
  codex: [
    { file: 'idle.txt', matches: ['ready'], state: 'idle' },
    { file: 'typed-not-sent.txt', matches: ['ready'], state: 'idle', input: 'first line "quoted"' },
    { file: 'busy-reconnecting.txt', matches: ['ready', 'busy'], state: 'busy' },
    { file: 'busy-waiting-for-network.txt', matches: ['ready', 'busy'], state: 'busy' },
    { file: 'interrupted.txt', matches: ['ready'], state: 'idle' },
    { file: 'before-sign-in-menu.txt', matches: [], state: 'starting' },
    { file: 'sign-in-menu.txt', matches: ['login'], state: 'needs-login' },
  ],
};

for (const [preset, rows] of Object.entries(ROWS)) {
  const p = PRESETS[preset];
  const re = {
    ready: compilePattern(p.ready, 'ready')!,
    busy: compilePattern(p.busy, 'busy')!,
    waiting: compilePattern(p.waiting, 'waiting')!,
    login: compilePattern(p.login, 'login')!,
  };
  const input = compilePattern(p.input, 'input');

  test(`${preset}: real screens → patterns, state, input box`, () => {
    const now = 1_000_000_000_000;
    for (const row of rows) {
      const s = screen(path.join(preset, row.file));
      const bottom = bottomLines(s);
      const matched = (Object.keys(re) as Kind[]).filter((k) => re[k].test(bottom));
      assert.equal(matched, row.matches, `${preset}/${row.file}: matching patterns`);
      // The screen changed just now (a footer notice, a spinner elsewhere): only the patterns decide.
      const obs = classify({ now, pane: { dead: false, activity: now }, screen: s, patterns: re, started: now - 5000 });
      assert.is(obs.state, row.state, `${preset}/${row.file}: state (${obs.reason})`);
      assert.is(pendingInput(s, input), row.input, `${preset}/${row.file}: input box`);
    }
  });
}

test('every recorded screen has a row', () => {
  for (const preset of fs.readdirSync(DIR)) {
    const files = fs.readdirSync(path.join(DIR, preset)).sort();
    assert.equal(files, ROWS[preset as 'claude' | 'codex'].map((r) => r.file).sort(), preset);
  }
});

test.run();
