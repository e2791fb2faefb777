// Agents: state with its reason and time in it, current task and queue depth (when the server
// reports them), the last lines of the screen on demand, and a box to send a message.
import { html, useState } from './vendor/htm-preact.js';
import { age } from './format.js';
import { get, post, enc } from './api.js';

function Agent({ a, now, readOnly, failed, toast }) {
  const s = a.status || { state: 'unknown', reason: 'not looked at yet' };
  const [screen, setScreen] = useState(undefined);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const toggleScreen = () => {
    if (screen !== undefined) return setScreen(undefined);
    get(`/api/agents/${enc(a.name)}?lines=30`)
      .then((r) => setScreen(r.screen.join('\n')))
      .catch(failed);
  };
  const send = (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    setSending(true);
    post(`/api/agents/${enc(a.name)}/messages`, { text, from: 'dashboard' })
      .then(() => {
        setText('');
        toast({ kind: 'ok', text: `message delivered to ${a.name}` });
      })
      .catch(failed)
      .finally(() => setSending(false));
  };
  const task = a.task ?? s.task;
  const queued = a.queued ?? s.queued;
  return html`<li class="card" data-agent=${a.name} data-state=${s.state}>
    <div class="row">
      <b>${a.name}</b><span class="muted">${a.role}</span>
      <span class=${`state ${s.state}`}>${s.state}</span>
      <span class="muted" title=${`since ${s.since}`}>${s.since ? age(now - Date.parse(s.since)) : ''}</span>
    </div>
    <div class="row muted reason">${s.reason}</div>
    ${(task !== undefined || queued !== undefined) && html`<div class="row">${task ? html`task <code>${task}</code>` : 'no task'}${queued !== undefined ? ` · ${queued} queued` : ''}</div>`}
    <div class="row actions">
      <button onClick=${toggleScreen} aria-expanded=${screen !== undefined}>${screen === undefined ? 'Screen' : 'Hide screen'}</button>
    </div>
    ${screen !== undefined && html`<pre class="screen" data-screen>${screen || '(no live pane)'}</pre>`}
    ${!readOnly &&
    html`<form class="row send" onSubmit=${send}>
      <label class="sr" for=${`msg-${a.name}`}>Message to ${a.name}</label>
      <input id=${`msg-${a.name}`} data-message value=${text} onInput=${(e) => setText(e.target.value)} placeholder=${`message to ${a.name}`} autocomplete="off" />
      <button type="submit" disabled=${sending}>Send</button>
    </form>`}
  </li>`;
}

export function Agents({ agents, now, readOnly, failed, toast }) {
  return html`<section class="agents" aria-labelledby="agents-h">
    <h2 id="agents-h">Agents <span class="n">${agents.length}</span></h2>
    ${agents.length === 0 && html`<p class="empty">No agents. <code>tmux-orc agent spawn</code> starts one.</p>`}
    <ul class="cards">
      ${agents.map((a) => html`<${Agent} key=${a.name} a=${a} now=${now} readOnly=${readOnly} failed=${failed} toast=${toast} />`)}
    </ul>
  </section>`;
}
