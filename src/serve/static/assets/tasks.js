// Tasks: filter by state (or scheduled: delayed and recurring ones, with their next run), by
// label, and search by ID, label or command; failed tasks with reason, exit code and attempts;
// retry one or all failed, cancel queued and running ones. j/k move, Enter opens.
import { html, useEffect, useRef, useState } from './vendor/htm-preact.js';
import { age, oneLine, result, since, when as whenAt } from './format.js';
import { enc } from './api.js';

const TABS = [
  ['all', 'All'],
  ['queue', 'Queued'],
  ['held', 'Held'],
  ['running', 'Running'],
  ['failed', 'Failed'],
  ['done', 'Done'],
  ['scheduled', 'Scheduled'],
];

/** When, in the words of the task's state: queued for, running for, finished ago, or its next run. */
function when(t, now) {
  if (t.state === 'queue' && t.due && Date.parse(t.due) > now) return `next run ${whenAt(t.due, now)}`;
  if (t.state === 'queue') return `queued ${since(t.enqueued, now)}`;
  if (t.state === 'held') return `held, queued ${since(t.enqueued, now)}`;
  if (t.state === 'running') return `running ${t.started ? age(now - Date.parse(t.started)) : ''}`;
  return `${t.state === 'done' ? 'done' : 'failed'} ${since(t.finished, now)}`;
}

function tries(t) {
  if (t.runs !== undefined) return `${t.runs} run${t.runs === 1 ? '' : 's'}`;
  return t.attempt > 1 ? `try ${t.attempt}` : '';
}

export function Actions({ t, act }) {
  return html`${(t.state === 'queue' || t.state === 'running') &&
    html`<button data-action="cancel" class="danger" onClick=${(e) => (e.stopPropagation(), act(`${t.id} cancelled`, `/api/tasks/${enc(t.id)}/cancel`, {}, `Cancel ${t.id}?`))}>Cancel</button>`}
  ${t.state === 'failed' && html`<button data-action="retry" onClick=${(e) => (e.stopPropagation(), act(`${t.id} queued again`, `/api/tasks/${enc(t.id)}/retry`, {}))}>Retry</button>`}`;
}

export function Tasks({ page, filter, setFilter, now, readOnly, act, open, loadMore, selected }) {
  const [cursor, setCursor] = useState(-1);
  const list = useRef(undefined);
  const [q, setQ] = useState(filter.q);
  const [label, setLabel] = useState(filter.label);
  const [agent, setAgent] = useState(filter.agent);
  // Typing is settled before it becomes a request.
  useEffect(() => {
    const t = setTimeout(() => setFilter((f) => (f.q === q && f.label === label && f.agent === agent ? f : { ...f, q, label, agent })), 200);
    return () => clearTimeout(t);
  }, [q, label, agent]);
  // Keys act on what is on screen now, not on the last render's copy: a ref, set as they come.
  const cur = useRef(-1);
  const shown = useRef(page.tasks);
  shown.current = page.tasks;
  useEffect(() => {
    const onKey = (e) => {
      if (/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(e.target.tagName)) return;
      const tasks = shown.current;
      if (e.key === 'j' || e.key === 'k') {
        cur.current = Math.max(0, Math.min(tasks.length - 1, cur.current + (e.key === 'j' ? 1 : -1)));
        setCursor(cur.current);
      } else if (e.key === 'Enter' && tasks[cur.current]) open(tasks[cur.current].id);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => list.current?.querySelector('.cursor')?.scrollIntoView({ block: 'nearest' }), [cursor]);
  const failedShown = filter.state === 'failed' && page.tasks.length > 0;
  return html`<section class="tasks" aria-labelledby="tasks-h">
    <h2 id="tasks-h" class="sr">Tasks</h2>
    <div class="toolbar">
      <div class="tabs" role="tablist">
        ${TABS.map(([key, word]) => html`<button role="tab" data-tab=${key} aria-selected=${filter.state === key} onClick=${() => setFilter((f) => ({ ...f, state: key }))}>${word}</button>`)}
      </div>
      <label class="sr" for="search">Search tasks</label>
      <input id="search" type="search" placeholder="Search ID, label or command  ( / )" value=${q} onInput=${(e) => setQ(e.target.value)} autocomplete="off" />
      <label class="sr" for="label">Label</label>
      <input id="label" class="label-filter" placeholder="label" value=${label} onInput=${(e) => setLabel(e.target.value)} autocomplete="off" />
      <label class="sr" for="agent">Agent</label>
      <input id="agent" class="label-filter" placeholder="agent" value=${agent} onInput=${(e) => setAgent(e.target.value)} autocomplete="off" />
      ${!readOnly && failedShown && html`<button data-action="retry-all" onClick=${() => act('every failed task queued again', '/api/tasks/retry-failed', {}, 'Retry every failed task?')}>Retry all failed</button>`}
    </div>
    <div class="table" ref=${list}>
      <table>
        <thead><tr><th>ID</th><th>State</th><th class="wide">Command</th><th>Result</th><th>When</th>${!readOnly && html`<th><span class="sr">Actions</span></th>`}</tr></thead>
        <tbody>
          ${page.tasks.map(
            (t, i) => html`<tr key=${t.id} data-task=${t.id} data-state=${t.state} data-status=${t.status}
              class=${`${i === cursor ? 'cursor' : ''}${t.id === selected ? ' selected' : ''}`} onClick=${() => ((cur.current = i), setCursor(i), open(t.id))}>
              <td><button class="link" onClick=${(e) => (e.stopPropagation(), open(t.id))}>${t.id}</button></td>
              <td><span class=${`state ${t.state}`}>${t.status}</span> <span class="muted">${tries(t)}</span></td>
              <td class="wide">${t.label !== undefined && html`<span class="label">${t.label}</span> `}<code class="cmd">${oneLine(t.cmd)}</code></td>
              <td class=${t.state === 'failed' ? 'bad' : ''} title=${t.reason || ''}>${result(t)}</td>
              <td class="muted">${when(t, now)}</td>
              ${!readOnly && html`<td><div class="actions"><${Actions} t=${t} act=${act} /></div></td>`}
            </tr>`,
          )}
        </tbody>
      </table>
      ${page.loaded && page.tasks.length === 0 && html`<p class="empty" data-empty>No task matches.</p>`}
      ${page.next && html`<button class="more" onClick=${loadMore}>More</button>`}
    </div>
  </section>`;
}
