/**
 * The machine's stalls as each caller lived them: how long, while a request
 * was running, the drill's event loop could not run (its own CPU work and GC,
 * or its thread waiting for a CPU while other processes had it).
 *
 * A run-wide event-loop delay histogram sees each stall alone, but a caller's
 * request crosses many event-loop turns (HTTP round trips, retries, the hedge)
 * and on a loaded machine it waits for a CPU at nearly every one of them: at a
 * load of 10 on 2 cores the drill's thread spent 60–80% of a request's wall
 * time waiting on the run queue, so one request's latency exceeded 200 ms +
 * the longest single stall by hundreds of milliseconds. The meter adds up the
 * stalls inside each request's own window instead.
 *
 * @since 0.2.0
 */
import * as Fs from "node:fs"

const SCHEDSTAT = "/proc/thread-self/schedstat"

/** Milliseconds this thread has spent runnable but waiting for a CPU (Linux schedstat, field 2); null elsewhere. */
const readRunQueueWaitMs = (): number | null => {
  try {
    const wait = Number(Fs.readFileSync(SCHEDSTAT, "utf8").split(" ")[1])
    return Number.isFinite(wait) ? wait / 1e6 : null
  } catch {
    return null
  }
}

/**
 * Two measures, the larger of which is a request's stall:
 * - the event loop's lateness, from a timer every `periodMs` (`[atMs, lateMs]`:
 *   the loop could not run during `[atMs - lateMs, atMs]`), overlapped with the
 *   request's window: sees the process's own CPU bursts and the waits for a CPU
 *   that straddle a tick;
 * - on Linux, the thread's run-queue wait between the request's start and
 *   end: every wait for a CPU, also the short ones between two ticks.
 *
 * @since 0.2.0
 * @category models
 */
export class StallMeter {
  /** Flat pairs: the time a tick ran, and how late it ran. */
  private readonly lateness: Array<number> = []
  private timer: ReturnType<typeof setInterval> | undefined
  private lastTick = 0
  private readonly runQueue: boolean

  constructor(private readonly now: () => number, private readonly periodMs = 5) {
    this.runQueue = readRunQueueWaitMs() !== null
  }

  start(): void {
    this.lastTick = this.now()
    this.timer = setInterval(() => {
      const at = this.now()
      const late = at - this.lastTick - this.periodMs
      if (late > 0) this.lateness.push(at, late)
      this.lastTick = at
    }, this.periodMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  /** The thread's run-queue wait so far (0 where it cannot be read): a request keeps its start mark. */
  mark(): number {
    return this.runQueue ? readRunQueueWaitMs() ?? 0 : 0
  }

  /** The stall inside `[startMs, endMs]`, given the run-queue wait between the request's marks. */
  within(startMs: number, endMs: number, runQueueWaitMs: number): number {
    let late = 0
    for (let i = 0; i < this.lateness.length; i += 2) {
      const at = this.lateness[i]!
      late += Math.max(0, Math.min(at, endMs) - Math.max(at - this.lateness[i + 1]!, startMs))
    }
    return Math.min(endMs - startMs, Math.max(late, runQueueWaitMs))
  }
}
