/** The dispatcher's decisions and the agent-task moves, as tables. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deliveryText, heldStep, mayGiveWork, type AgentView, type HeldView } from '../../src/agents/dispatch-policy.ts';
import { reported, undelivered } from '../../src/queue/agent-lifecycle.ts';
import { parseTask } from '../../src/queue/task.ts';
import type { AgentState } from '../../src/agents/status.ts';

const NOW = 1_000_000;
const H: HeldView = { held: true, started: NOW - 10_000, delivered: true, cancelRequested: false, sawBusy: false };
const idle = (forMs = 0): AgentView => ({ state: 'idle', since: NOW - forMs });
const as = (state: AgentState): AgentView => ({ state, since: NOW });

// [why, held task, agent, step]
const steps: Array<[string, Partial<HeldView>, AgentView, string]> = [
  ['nobody holds it (its agent died): recover', { held: false }, idle(), 'recover'],
  ['unheld wins over a cancel', { held: false, cancelRequested: true }, idle(), 'recover'],
  ['cancel asked', { cancelRequested: true }, as('busy'), 'cancel'],
  ['cancel before timeout', { cancelRequested: true, timeoutMs: 1 }, as('busy'), 'cancel'],
  ['dead but still held: wait for the holder to let go', { timeoutMs: 1 }, as('dead'), 'wait'],
  ['timeout reached', { timeoutMs: 10_000 }, as('busy'), 'timeout'],
  ['timeout not yet', { timeoutMs: 10_001 }, as('busy'), 'wait'],
  ['timeout while waiting for input', { timeoutMs: 5000 }, as('waiting-for-input'), 'timeout'],
  ['claimed, not delivered, agent idle: deliver', { delivered: false }, idle(), 'deliver'],
  ['not delivered, agent asks a question: wait', { delivered: false }, as('waiting-for-input'), 'wait'],
  ['not delivered, agent busy: wait', { delivered: false }, as('busy'), 'wait'],
  ['delivered, idle, no done-on-idle: wait for the report', {}, idle(60_000), 'wait'],
  ['done-on-idle, never seen busy: wait', { doneOnIdleMs: 5000 }, idle(60_000), 'wait'],
  ['done-on-idle, seen busy, idle long enough', { doneOnIdleMs: 5000, sawBusy: true }, idle(5000), 'done-on-idle'],
  ['done-on-idle, seen busy, idle not long enough', { doneOnIdleMs: 5000, sawBusy: true }, idle(4999), 'wait'],
  ['done-on-idle, seen busy, busy again', { doneOnIdleMs: 5000, sawBusy: true }, as('busy'), 'wait'],
];
for (const [why, h, a, step] of steps) {
  test(`heldStep: ${why}`, () => assert.is(heldStep({ ...H, ...h }, a, NOW).kind, step));
}

for (const [state, ok] of [['idle', true], ['busy', false], ['waiting-for-input', false], ['starting', false], ['dead', false], ['unknown', false]] as const) {
  test(`mayGiveWork: ${state} → ${ok}`, () => assert.is(mayGiveWork(as(state)), ok));
}

test('deliveryText: the text, a blank line, the report line naming the ID', () => {
  assert.is(deliveryText('t1', 'Fix it\n\n'), 'Fix it\n\nWhen you are finished, report with: tmux-orc done t1 "<one-line result>" (if you could not do it: tmux-orc done t1 --fail "<why>")');
});

const task = (extra: Array<[string, string]> = []) => parseTask([['ID', 't1'], ['CMD', 'do it'], ['AGENT', 'eng1'], ...extra]);
const keys = (f: Array<[string, string]>) => Object.fromEntries(f.filter(([k]) => k !== 'FINISHED' && k !== 'DUE'));

// [why, task fields, ok, note, where, records]
const moves: Array<[string, Array<[string, string]>, boolean, string, string, Record<string, string>]> = [
  ['done keeps the note', [], true, 'all good', 'done', { NOTE: 'all good', STATUS: 'done' }],
  ['done without a note', [], true, '', 'done', { STATUS: 'done' }],
  ['a note is one line', [], true, 'a\n  b\r\nc', 'done', { NOTE: 'a b c', STATUS: 'done' }],
  ['--fail, no retries: failed', [], false, 'no repro', 'failed', { NOTE: 'no repro', STATUS: 'failed', REASON: 'reported failed: no repro' }],
  ['--fail with retries left: queued again', [['RETRIES', '1']], false, 'flaky', 'queue', { NOTE: 'flaky', STATUS: 'failed', ATTEMPT: '2' }],
  ['--fail on the last attempt: failed', [['RETRIES', '1'], ['ATTEMPT', '2']], false, 'x', 'failed', { NOTE: 'x', STATUS: 'failed', REASON: 'reported failed: x' }],
];
for (const [why, extra, ok, note, where, rec] of moves) {
  test(`reported: ${why}`, () => {
    const m = reported(task(extra), ok, note, NOW);
    assert.is(m.to, where);
    const got = keys(m.append);
    if (where === 'queue') got.REASON = got.REASON?.replace(/;.*/, '') ?? '';
    assert.equal(got, where === 'queue' ? { ...rec, REASON: 'reported failed: flaky' } : rec);
  });
}

test('undelivered: retried while retries are left, then failed with the reason', () => {
  assert.is(undelivered(task([['RETRIES', '2']]), 'stuck', NOW).to, 'queue');
  const m = undelivered(task(), 'stuck', NOW);
  assert.equal([m.to, keys(m.append).REASON], ['failed', 'undelivered: stuck']);
});

test.run();
