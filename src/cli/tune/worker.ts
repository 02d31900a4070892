/**
 * A tuner worker thread: prepares the scenarios it is given once, then
 * evaluates batches of configurations with the pure engine and posts back
 * their figures, in order.
 *
 * @internal
 */
import * as Either from "effect/Either"
import { parentPort, workerData } from "node:worker_threads"
import * as Pure from "../sim/pureEngine.js"
import * as Scenario from "../sim/Scenario.js"
import type { SimConfig } from "../sim/SimConfig.js"
import { evaluate } from "./search.js"

/** What the worker is started with. @internal */
export interface WorkerInput {
  readonly scenarios: ReadonlyArray<{ readonly source: string; readonly text: string; readonly durationS: number | undefined }>
  readonly seed: number | undefined
}

const input = workerData as WorkerInput
const prepared = input.scenarios.map((s) => {
  let scenario = Either.getOrThrow(Scenario.parse(s.source, s.text))
  if (s.durationS !== undefined) scenario = Scenario.truncate(scenario, s.durationS)
  return Pure.prepare(scenario, input.seed ?? scenario.seed)
})

parentPort!.postMessage({ ready: true })

parentPort!.on("message", (batch: { readonly id: number; readonly configs: ReadonlyArray<SimConfig> }) => {
  try {
    parentPort!.postMessage({ id: batch.id, figures: batch.configs.map((c) => evaluate(prepared, c)) })
  } catch (e) {
    parentPort!.postMessage({ id: batch.id, error: String((e as Error).message ?? e) })
  }
})
