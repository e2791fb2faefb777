// The header: connection, counts per state (each one a filter; held only when there are any), the throughput sparkline (tasks
// finished per minute over the last hour) and the queue's latency.
import { html } from './vendor/htm-preact.js';
import { age, num } from './format.js';

const STATES = [
  ['queue', 'queued'],
  ['held', 'held'],
  ['running', 'running'],
  ['done', 'done'],
  ['failed', 'failed'],
];

function Sparkline({ perMinute, failedPerMinute }) {
  const max = Math.max(1, ...perMinute);
  const w = 3;
  const h = 32;
  const bars = perMinute.map((n, i) => {
    const bh = n ? Math.max(2, Math.round((n / max) * h)) : 0;
    const fh = failedPerMinute[i] ? Math.max(1, Math.round((failedPerMinute[i] / max) * h)) : 0;
    return html`<rect x=${i * w} y=${h - bh} width=${w - 1} height=${bh} class="ok" /><rect x=${i * w} y=${h - fh} width=${w - 1} height=${fh} class="bad" />`;
  });
  return html`<svg class="spark" viewBox=${`0 0 ${perMinute.length * w} ${h + 1}`} width=${perMinute.length * w} height=${h + 1} role="img"
    aria-label=${`tasks finished per minute over the last hour, at most ${max}`}><title>tasks finished per minute, last hour (red: failed)</title>
    <line x1="0" x2=${perMinute.length * w} y1=${h + 0.5} y2=${h + 0.5} class="axis" />${bars}</svg>`;
}

export function Header({ stats, live, readOnly, state, onState }) {
  const c = stats ? stats.counts : undefined;
  const perMinute = stats ? stats.finishedPerMinute : [];
  const lastHour = perMinute.reduce((a, b) => a + b, 0);
  return html`<header>
    <div class="title">
      <h1>tmux-orc</h1>
      <span class=${`live ${live}`} title="server-sent events">${live === 'live' ? 'live' : live}</span>
      ${readOnly && html`<span class="badge" data-readonly>read-only</span>`}
    </div>
    <nav class="counts" aria-label="tasks per state">
      ${STATES.filter(([key]) => key !== 'held' || (c && c.held) || state === 'held').map(
        ([key, word]) => html`<button class=${`count ${key}${state === key ? ' on' : ''}`} data-count=${key} aria-pressed=${state === key}
          onClick=${() => onState(state === key ? 'all' : key)}><b>${c ? num(c[key]) : '–'}</b> ${word}</button>`,
      )}
    </nav>
    <div class="rates">
      ${stats && html`<${Sparkline} perMinute=${perMinute} failedPerMinute=${stats.failedPerMinute} />`}
      <div>
        <div data-throughput><b>${num(perMinute[perMinute.length - 2] ?? 0)}</b>/min · ${num(lastHour)} in the last hour</div>
        <div data-latency title="age of the oldest runnable task">latency <b>${stats && stats.latencyMs !== undefined ? age(stats.latencyMs) : '–'}</b></div>
      </div>
    </div>
  </header>`;
}
