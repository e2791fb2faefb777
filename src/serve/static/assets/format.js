// Small formatters shared by the views: ages as the CLI prints them (src/time.ts formatAge).

export function age(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/** Time since an ISO time in the past ("5m ago"; a moment ahead of the page's clock is "0s ago"). */
export function since(iso, now) {
  if (!iso) return '';
  return `${age(Math.max(0, now - Date.parse(iso)))} ago`;
}

/** A time that may be ahead: "in 5m" when it is, else as since(). */
export function when(iso, now) {
  if (!iso) return '';
  const d = Date.parse(iso) - now;
  return d > 0 ? `in ${age(d)}` : since(iso, now);
}

export const num = (n) => (n ?? 0).toLocaleString('en-US');

/** A task's result in a few words: exit code, signal, or the first words of its reason. */
export function result(t) {
  if (t.exit !== undefined) return `exit ${t.exit}`;
  if (t.signal) return t.signal;
  if (t.reason) return t.reason.split(/[:;]/)[0];
  return '';
}

export const oneLine = (s) => (s || '').replace(/\r?\n/g, ' ⏎ ');
