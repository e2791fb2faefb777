/**
 * The tree as a store (src/store/store.ts): each verb is one of the tree's named operations.
 * All but enqueue load their module when called, so a single enqueue (what scripts and cron
 * jobs run most) starts no slower for the verbs it does not use.
 */
import fs from 'node:fs';
import type { Store } from '../store/store.js';
import { enqueue, enqueueMany } from './enqueue.js';
import { find, listNames, readTask, taskPath, type Tree } from './tree.js';
import type { Task } from './task.js';

export function treeStore(t: Tree): Store {
  return {
    where: t.root,
    enqueue: (spec, opts) => enqueue(t, spec, opts),
    enqueueMany: (spec, cmds, now, onQueued) => enqueueMany(t, spec, cmds, now, onQueued),
    get: async (id) => {
      const f = find(t, id);
      if (!f) return undefined;
      const r = readTask(f.file);
      return { state: f.dir, task: r?.ok ? r.task : undefined };
    },
    tasks: async (state) => {
      const out: Task[] = [];
      if (!fs.existsSync(t.dir(state))) return out;
      for (const name of listNames(t, state)) {
        const r = readTask(taskPath(t, state, name));
        if (r?.ok) out.push(r.task);
      }
      return out;
    },
    list: async (which) => {
      const rows = await (await import('./list-parallel.js')).listTasksParallel(t, which);
      const { pausedNow, pausedFor } = await import('./pause.js');
      const p = pausedNow(t);
      for (const r of rows) if (r.state === 'queue' && r.status === 'ready' && pausedFor(p, r.group)) r.status = 'paused';
      return rows;
    },
    cancel: async (id, opts) => (await import('./cancel.js')).cancel(t, id, opts),
    retry: async (id) => (await import('./retry.js')).retry(t, id),
    remove: async (id) => (await import('./rm.js')).removeTask(t, id),
    pause: async (group) => {
      const p = await import('./pause.js');
      const fresh = p.pause(t, group);
      await p.claimsSettled(t, group);
      return fresh;
    },
    resume: async (group) => (await import('./pause.js')).resume(t, group),
    paused: async () => (await import('./pause.js')).pausedNow(t),
    setGroup: async (name, parallel) => (await import('./groups.js')).setGroup(t, name, parallel),
    groups: async () => (await import('./groups.js')).listGroups(t),
    removeGroup: async (name) => (await import('./groups.js')).removeGroup(t, name),
    hold: async (id) => (await import('./hold.js')).hold(t, id),
    release: async (id) => (await import('./hold.js')).release(t, id),
    edit: async (id, e) => (await import('./edit.js')).edit(t, id, e),
    move: async (id, place) => (await import('./move.js')).move(t, id, place),
    retryAllFailed: async () => (await import('./retry.js')).retryAllFailed(t),
    clean: async (o) => (await import('./clean.js')).clean(t, o),
    recover: async () => (await (await import('./recover.js')).recoverStale(t)).map(({ id, why, to }) => ({ id, why, to })),
    health: async () => (await import('./list.js')).health(t),
    workers: async () => (await import('./workers.js')).listWorkers(t),
    waitForAll: async (ids, hooks) => (await import('./wait.js')).waitForAll(t, ids, hooks),
    tail: async (id, o) => (await import('./tail.js')).tail(t, id, o),
  };
}
