/** Timers longer than Node's limit (2^31 - 1 ms, ~24.8 days): a longer setTimeout fires at once. */

const MAX_DELAY = 2 ** 31 - 1;

/** Call `fn` after `ms` (any length, chained in steps Node accepts); `clear()` stops it. */
export function longTimeout(fn: () => void, ms: number, now: () => number = Date.now): { clear: () => void } {
  const at = now() + ms;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = at - now();
    timer = left > MAX_DELAY ? setTimeout(arm, MAX_DELAY) : setTimeout(fn, Math.max(0, left));
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
