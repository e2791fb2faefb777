// Workers: each one's host, state, current task and how long it has run it; stop (drain: finish
// the task, then exit) and cancel (the current task ends cancelled; the worker goes on).
import { html } from './vendor/htm-preact.js';
import { age, oneLine } from './format.js';
import { enc } from './api.js';

const word = (w) => (!w.alive ? 'dead' : w.task ? 'busy' : 'idle');

export function Workers({ workers, now, readOnly, act, open }) {
  return html`<section class="workers" aria-labelledby="workers-h">
    <h2 id="workers-h">Workers <span class="n">${workers.filter((w) => w.alive).length}/${workers.length} live</span></h2>
    ${workers.length === 0 && html`<p class="empty">No worker registered. Start some: <code>tmux-orc tasks-start</code> or <code>tmux-orc worker</code>.</p>`}
    <ul class="cards">
      ${workers.map((w) => {
        const state = word(w);
        return html`<li class="card" data-worker=${`${w.host}.${w.id}`} data-state=${state} key=${`${w.host}.${w.id}`}>
          <div class="row">
            <b>worker-${w.id}</b><span class="muted">@${w.host}</span>
            <span class=${`state ${state}`}>${state}</span>
            ${w.task && html`<span class="muted" data-elapsed>${age(now - w.task.started)}</span>`}
          </div>
          ${w.task &&
          html`<div class="row task">
            <button class="link" onClick=${() => open(w.task.id)}>${w.task.id}</button>
            <code class="cmd">${oneLine(w.task.cmd)}</code>
          </div>`}
          ${!readOnly &&
          w.alive &&
          html`<div class="row actions">
            <button data-action="stop" title="finish the current task, then exit"
              onClick=${() => act(`worker-${w.id} drains and stops`, `/api/workers/${enc(w.host)}/${enc(w.id)}/stop`, {}, `Stop worker-${w.id} once its task is done?`)}>Stop</button>
            ${w.task &&
            html`<button data-action="cancel" class="danger" title="cancel its current task"
              onClick=${() => act(`${w.task.id} cancelled`, `/api/tasks/${enc(w.task.id)}/cancel`, {}, `Cancel ${w.task.id}?`)}>Cancel task</button>`}
          </div>`}
        </li>`;
      })}
    </ul>
  </section>`;
}
