// One task in full: the task file's fields, its dependencies, the tail of its log (read again
// every second while it runs), cancel and retry. Escape closes it.
import { html, useEffect, useRef, useState } from './vendor/htm-preact.js';
import { get, enc } from './api.js';
import { when, result } from './format.js';
import { Actions } from './tasks.js';

const FIELDS = [
  ['status', 'status'],
  ['attempt', 'attempt'],
  ['retries', 'retries'],
  ['backoff', 'backoff'],
  ['runs', 'runs'],
  ['every', 'every'],
  ['label', 'label'],
  ['priority', 'priority'],
  ['timeout', 'timeout'],
  ['cwd', 'cwd'],
  ['worker', 'worker'],
];
const TIMES = ['enqueued', 'due', 'started', 'finished'];

export function Detail({ id, tick, now, readOnly, act, open, close, failed }) {
  const [t, setT] = useState(undefined);
  const [missing, setMissing] = useState(false);
  const [stream, setStream] = useState('out');
  const [log, setLog] = useState('');
  const pre = useRef(undefined);
  const read = () =>
    get(`/api/tasks/${enc(id)}`)
      .then((d) => (setT(d), setMissing(false), d))
      .catch((err) => (err.status === 404 ? setMissing(true) : failed(err), undefined));
  const readLog = () =>
    get(`/api/tasks/${enc(id)}/log?stream=${stream}&tail=200`)
      .then(setLog)
      .catch((err) => (err.status === 404 ? setLog('') : failed(err)));
  useEffect(() => {
    setT(undefined);
    read();
  }, [id, tick]);
  useEffect(() => {
    readLog();
    if (!t || t.state !== 'running') return undefined;
    const timer = setInterval(() => {
      readLog();
      read();
    }, 1000);
    return () => clearInterval(timer);
  }, [id, stream, t && t.state, tick]);
  useEffect(() => {
    const el = pre.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log]);
  return html`<aside class="detail" aria-label=${`task ${id}`} data-detail=${id}>
    <div class="detail-head">
      <h2>${id}</h2>
      <button class="close" onClick=${close} aria-label="close (Escape)">×</button>
    </div>
    ${missing && html`<p class="empty">No task ${id} (removed, or never there).</p>`}
    ${t &&
    html`<div>
      <p><span class=${`state ${t.state}`} data-detail-state>${t.state}</span> ${result(t) && html`<b class=${t.state === 'failed' ? 'bad' : ''}>${result(t)}</b>`}
        ${!readOnly && html`<span class="actions"><${Actions} t=${t} act=${act} /></span>`}</p>
      <pre class="cmd-full">${t.cmd}</pre>
      ${t.reason && html`<p class="bad">${t.reason}</p>`}
      <dl>
        ${FIELDS.filter(([k]) => t[k] !== undefined && t[k] !== '').map(([k, word]) => html`<dt>${word}</dt><dd>${String(t[k])}</dd>`)}
        ${TIMES.filter((k) => t[k]).map((k) => html`<dt>${k}</dt><dd title=${t[k]}>${when(t[k], now)}</dd>`)}
        ${t.after.length > 0 && html`<dt>after</dt><dd>${t.after.map((a) => html`<button class="link" onClick=${() => open(a)}>${a}</button> `)}</dd>`}
        ${t.env.length > 0 && html`<dt>env</dt><dd>${t.env.map((e) => html`<code>${e}</code> `)}</dd>`}
      </dl>
      <div class="tabs" role="tablist">
        <button role="tab" aria-selected=${stream === 'out'} onClick=${() => setStream('out')}>stdout</button>
        <button role="tab" aria-selected=${stream === 'err'} onClick=${() => setStream('err')}>stderr</button>
        ${t.state === 'running' && html`<span class="live live">live</span>`}
      </div>
      <pre class="log" ref=${pre} data-log>${log || '(empty)'}</pre>
    </div>`}
  </aside>`;
}
