/**
 * V8 heap settings for a worker process. A worker lives for hours, allocates a little garbage per
 * task and keeps little (its view of queue/), and V8's defaults, tuned for throughput, cost it
 * more memory than they buy (bench/README.md, history, has the measurements):
 *
 * - The young generation doubles whenever enough has survived since it last grew, so a
 *   long-running process ends up at its maximum size. A semi-space growth factor of 1 keeps it
 *   at its initial size: more scavenges, each of them short because little survives.
 * - The old generation may grow to several times its live size before a full GC when GC looks
 *   cheap, so what outlives two scavenges piles up. A growing factor of 1.2 (V8 still grows by a
 *   minimum step) brings a full GC after a bounded amount of garbage instead.
 *
 * V8 reads both flags at each GC decision, so setting them at run time works; the size limits
 * (--max-semi-space-size and the like) are fixed when the heap is set up and would need node
 * flags on the command line, or a re-exec. Process-wide, so only the `worker` command calls this,
 * not the library function that tests and benchmarks run inside their own process.
 */
import v8 from 'node:v8';

/** Apply the settings above to this process; the `worker` command calls it once, before the loop starts. */
export function leanHeap(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--heap-growing-percent=20');
}
