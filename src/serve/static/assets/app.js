// The dashboard: one page over the REST API, kept live by the server-sent events at
// /api/events (each event only says what changed: the page re-reads that part, at most a few
// times a second). No data without the token; no actions with --read-only.
import { html, render, useState, useEffect, useRef } from './vendor/htm-preact.js';
import { get, post, tasksUrl } from './api.js';
import { Header } from './header.js';
import { Workers } from './workers.js';
import { Agents } from './agents.js';
import { Tasks } from './tasks.js';
import { Detail } from './detail.js';

/** How long a burst of events is gathered before the parts it touched are read again. */
const SETTLE_MS = 250;

function useNow(everyMs) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, []);
  return now;
}

function Locked() {
  return html`<main class="locked" data-locked>
    <h1>tmux-orc</h1>
    <p>This dashboard needs the server's token.</p>
    <p>Open the address <code>tmux-orc serve</code> printed (it ends in <code>?token=…</code>), or add
      <code>?token=</code> and the contents of <code>&lt;root&gt;/serve.token</code> to this page's address.</p>
  </main>`;
}

function App() {
  const [auth, setAuth] = useState(undefined);
  const [stats, setStats] = useState(undefined);
  const [workers, setWorkers] = useState([]);
  const [agents, setAgents] = useState([]);
  const [page, setPage] = useState({ tasks: [], next: undefined, loaded: false });
  const [filter, setFilter] = useState(() => ({ state: 'all', label: '', agent: '', q: '', ...fromHash().filter }));
  const [detail, setDetail] = useState(fromHash().task);
  const [detailTick, setDetailTick] = useState(0);
  const [live, setLive] = useState('connecting');
  const [toast, setToast] = useState(undefined);
  const now = useNow(1000);
  const filterRef = useRef(filter);
  const shown = useRef(50);
  const detailRef = useRef(detail);
  filterRef.current = filter;
  detailRef.current = detail;
  const readOnly = auth ? auth.readOnly : true;

  // Each part is read again when asked; asks within SETTLE_MS are one read.
  const pending = useRef(new Set());
  const timer = useRef(undefined);
  const readers = {
    stats: () => get('/api/stats').then(setStats),
    workers: () => get('/api/workers').then((r) => setWorkers(r.workers)),
    agents: () => get('/api/agents').then((r) => setAgents(r.agents)),
    tasks: () =>
      get(tasksUrl({ ...filterRef.current, limit: Math.min(1000, shown.current) })).then((r) => {
        setPage({ tasks: r.tasks, next: r.next, loaded: true });
        setStats((s) => (s ? { ...s, counts: r.counts } : s));
      }),
    detail: async () => setDetailTick((n) => n + 1),
  };
  const failed = (err) => {
    if (err && err.status === 401) setAuth({ ok: false });
    else setToast({ kind: 'error', text: err ? err.message : 'failed' });
  };
  const refresh = (...parts) => {
    for (const p of parts) pending.current.add(p);
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      const parts = [...pending.current];
      pending.current.clear();
      for (const p of parts) readers[p]().catch(failed);
    }, SETTLE_MS);
  };

  useEffect(() => {
    get('/api/whoami')
      .then((a) => {
        setAuth({ ok: a.authenticated, readOnly: a.readOnly });
        if (!a.authenticated) return;
        for (const p of ['stats', 'workers', 'agents', 'tasks']) readers[p]().catch(failed);
      })
      .catch(failed);
  }, []);

  useEffect(() => {
    if (!auth || !auth.ok) return undefined;
    const es = new EventSource('/api/events');
    es.onopen = () => setLive('live');
    es.onerror = () => setLive(es.readyState === EventSource.CLOSED ? 'lost' : 'reconnecting');
    es.addEventListener('task', (e) => {
      const d = JSON.parse(e.data);
      refresh('stats', 'tasks');
      if (d.id === detailRef.current) refresh('detail');
    });
    es.addEventListener('worker', () => refresh('workers'));
    es.addEventListener('agent', () => refresh('agents'));
    es.addEventListener('reset', () => refresh('stats', 'workers', 'agents', 'tasks', 'detail'));
    // The sparkline's minutes move on without any event.
    const slow = setInterval(() => refresh('stats'), 30_000);
    return () => {
      es.close();
      clearInterval(slow);
    };
  }, [auth && auth.ok]);

  useEffect(() => {
    if (!auth || !auth.ok) return;
    shown.current = 50;
    const t = setTimeout(() => readers.tasks().catch(failed), 150);
    return () => clearTimeout(t);
  }, [filter.state, filter.label, filter.agent, filter.q]);

  useEffect(() => {
    const h = toHash(filter, detail);
    if (location.hash !== h) history.replaceState(null, '', h || location.pathname);
  }, [filter, detail]);

  useEffect(() => {
    const onKey = (e) => {
      const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
      if (e.key === 'Escape') {
        if (typing) e.target.blur();
        else setDetail(undefined);
      } else if (e.key === '/' && !typing) {
        e.preventDefault();
        document.getElementById('search')?.focus();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  if (auth === undefined) return html`<p class="boot">Loading the dashboard…</p>`;
  if (!auth.ok) return html`<${Locked} />`;

  /** Run an action through the API; say what happened; read again what it changed. */
  const act = async (what, path, body, confirmText) => {
    if (confirmText && !confirm(confirmText)) return;
    try {
      await post(path, body);
      setToast({ kind: 'ok', text: what });
      refresh('stats', 'tasks', 'workers', 'detail');
    } catch (err) {
      failed(err);
    }
  };
  const loadMore = () => {
    shown.current = Math.min(1000, shown.current + 50);
    if (!page.next) return;
    get(tasksUrl(filter, page.next))
      .then((r) => setPage((p) => ({ tasks: [...p.tasks, ...r.tasks], next: r.next, loaded: true })))
      .catch(failed);
  };
  const chooseState = (state) => setFilter((f) => ({ ...f, state }));

  return html`
    <${Header} stats=${stats} live=${live} readOnly=${readOnly} now=${now} state=${filter.state} onState=${chooseState} />
    ${toast && html`<div class=${`toast ${toast.kind}`} role=${toast.kind === 'error' ? 'alert' : 'status'} onClick=${() => setToast(undefined)}>${toast.text}</div>`}
    <main>
      <div class="side">
        <${Workers} workers=${workers} now=${now} readOnly=${readOnly} act=${act} open=${setDetail} />
        <${Agents} agents=${agents} now=${now} readOnly=${readOnly} failed=${failed} toast=${setToast} />
      </div>
      <${Tasks} page=${page} filter=${filter} setFilter=${setFilter} now=${now} readOnly=${readOnly} act=${act} open=${setDetail} loadMore=${loadMore} selected=${detail} />
    </main>
    ${detail && html`<${Detail} id=${detail} tick=${detailTick} now=${now} readOnly=${readOnly} act=${act} open=${setDetail} close=${() => setDetail(undefined)} failed=${failed} />`}
  `;
}

/** The view is kept in the address (#state=failed&q=x&task=ID), so a reload or a shared link shows the same. */
function fromHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const filter = {};
  for (const k of ['state', 'label', 'agent', 'q']) if (p.get(k)) filter[k] = p.get(k);
  return { filter, task: p.get('task') || undefined };
}

function toHash(f, task) {
  const p = new URLSearchParams();
  if (f.state !== 'all') p.set('state', f.state);
  if (f.label) p.set('label', f.label);
  if (f.agent) p.set('agent', f.agent);
  if (f.q) p.set('q', f.q);
  if (task) p.set('task', task);
  const s = p.toString();
  return s ? `#${s}` : '';
}

render(html`<${App} />`, document.getElementById('app'));
