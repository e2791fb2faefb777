/**
 * Linux process facts from /proc, so that "is the worker still alive?" survives pid reuse
 * (a pid plus its start time names one process forever) and orphaned task groups can be found.
 */
import fs from 'node:fs';
import os from 'node:os';

export const HOST = os.hostname();

interface Stat {
  pgrp: number;
  /** Start time in clock ticks since boot. */
  start: string;
}

function stat(pid: number, zombies = false): Stat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' && !zombies) return undefined; // a zombie runs nothing
    return { pgrp: Number(rest[2]), start: rest[19] };
  } catch {
    return undefined;
  }
}

/** The start time of a process (a live one, or also a not yet reaped one with `zombies`). */
export function processStart(pid: number, zombies = false): string | undefined {
  return stat(pid, zombies)?.start;
}

/** True when the process that had this pid and start time is still running. */
export function isAlive(pid: number, start: string): boolean {
  return pid > 0 && processStart(pid) === start;
}

/** Live processes in group `pgid` that started no earlier than `since` (the group leader's start). */
export function groupMembers(pgid: number, since: string): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s && s.pgrp === pgid && BigInt(s.start) >= BigInt(since)) members.push(Number(entry));
  }
  return members;
}

/** Send a signal to a whole process group; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kill what is left of a task's process group (SIGTERM, then SIGKILL after `graceMs`) and wait
 * until none of it runs. Only processes that started after the leader are touched, so a reused
 * group id of an unrelated program is left alone.
 */
export async function killOrphans(pgid: number, since: string, graceMs = 2000): Promise<void> {
  const kill = (sig: NodeJS.Signals) => {
    for (const pid of groupMembers(pgid, since)) {
      try {
        process.kill(pid, sig);
      } catch {
        // gone already
      }
    }
  };
  kill('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid, since).length > 0) {
    if (Date.now() > deadline) kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
  }
}
