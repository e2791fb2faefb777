// The REST API, as the page calls it: same origin, the token in the cookie the server set when
// the page was opened with ?token=. Errors become ApiError with the server's code and message.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function answer(r) {
  const type = r.headers.get('content-type') || '';
  if (r.ok) return type.includes('application/json') ? r.json() : r.text();
  let code = 'failed';
  let message = `${r.status} ${r.statusText}`;
  if (type.includes('application/json')) {
    const body = await r.json().catch(() => undefined);
    if (body && body.error) ({ code, message } = body.error);
  }
  throw new ApiError(r.status, code, message);
}

export const get = (path) => fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(answer);

export const post = (path, body = {}) =>
  fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, credentials: 'same-origin', body: JSON.stringify(body) }).then(answer);

/** `/api/tasks?…` from a filter object, leaving out empty fields. */
export function tasksUrl(f, cursor) {
  const p = new URLSearchParams();
  if (f.state && f.state !== 'all' && f.state !== 'scheduled') p.set('state', f.state);
  if (f.state === 'scheduled') {
    p.set('state', 'queue');
    p.set('status', 'delayed');
  }
  if (f.label) p.set('label', f.label);
  if (f.agent) p.set('agent', f.agent);
  if (f.q) p.set('q', f.q);
  p.set('limit', String(f.limit || 50));
  if (cursor) p.set('cursor', cursor);
  return `/api/tasks?${p}`;
}

export const enc = encodeURIComponent;
