/**
 * The outage script: healthy traffic, then the primary provider goes down
 * (hangs or answers 503), then it recovers. It sets the fake providers'
 * behaviour at each phase boundary and records when each phase began.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { Behavior, type FakeProvider } from "../../testing/index.js"
import type { DrillOptions, OutageMode } from "./options.js"
import type { Recorder } from "./recorder.js"

/** A stable pseudo-random number in [0, 1) for request `i` (mulberry32), so noise is the same every run. */
const unit = (seed: number, i: number): number => {
  let t = (seed + Math.imul(i + 1, 0x6d2b79f5)) | 0
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/**
 * A healthy provider: answers, except a `noise` share of requests (picked by a
 * fixed pseudo-random sequence) that get a 500, the blips a policy must absorb
 * without opening the circuit.
 *
 * @since 0.1.0
 * @category constructors
 */
export const healthy = (name: string, noise: number, seed = 7): Behavior.Behavior => {
  const ok = Behavior.ok(`${name} answers`)
  const blip = Behavior.serverError(500)
  return noise <= 0 ? ok : Behavior.dynamic((request) => unit(seed, request.totalIndex) < noise ? blip : ok)
}

/**
 * The primary provider during the outage.
 *
 * @since 0.1.0
 * @category constructors
 */
export const down = (mode: OutageMode): Behavior.Behavior => mode === "hang" ? Behavior.hang : Behavior.unavailable

/**
 * The `_tag` under which the fake provider counts the requests it received while down.
 *
 * @since 0.1.0
 * @category getters
 */
export const downTag = (mode: OutageMode): string => down(mode)._tag

/**
 * Plays the script against the primary provider: healthy, down, recovered.
 *
 * @since 0.1.0
 * @category constructors
 */
export const play = (
  recorder: Recorder,
  primary: FakeProvider.FakeProvider,
  options: DrillOptions
): Effect.Effect<void> =>
  Effect.gen(function*() {
    recorder.phase("healthy")
    yield* Effect.sleep(options.healthyMs)
    yield* primary.setBehavior(down(options.mode))
    recorder.phase("outage")
    yield* Effect.sleep(options.outageMs)
    yield* primary.setBehavior(healthy(primary.flavor, options.noise, 11))
    recorder.phase("recovery")
    yield* Effect.sleep(options.recoveryMs)
    recorder.finish()
  })
