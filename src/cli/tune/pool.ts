/**
 * Evaluation in worker threads: one worker per core (by default), each holding
 * its own copy of the scenarios' arrivals; a batch is split into contiguous
 * slices and the figures come back in order, so the search stays deterministic.
 *
 * @internal
 */
import * as os from "node:os"
import { Worker } from "node:worker_threads"
import type { SimConfig } from "../sim/SimConfig.js"
import type { Evaluator, Figures } from "./search.js"
import type { WorkerInput } from "./worker.js"

/** Starts `n` workers (default: the number of cores), or fails if workers cannot start here. @internal */
export const workers = async (input: WorkerInput, n: number = os.availableParallelism()): Promise<Evaluator> => {
  // In a clone this file runs as TypeScript (through tsx), in the package as JavaScript.
  const pool = Array.from({ length: Math.max(1, n) }, () =>
    import.meta.url.endsWith(".ts")
      // A clone run through tsx: the worker registers tsx's loader itself before loading the TypeScript worker.
      ? new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((api) => { api.register(); ` +
          `return import(${JSON.stringify(new URL("./worker.ts", import.meta.url).href)}) })`,
        { eval: true, workerData: input }
      )
      : new Worker(new URL("./worker.js", import.meta.url), { workerData: input }))
  // Each worker says when its scenarios are prepared: the search's clock starts after that.
  await Promise.all(pool.map((w) =>
    new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (m.ready !== true) return
        w.off("message", onMessage)
        w.off("error", reject)
        resolve()
      }
      w.on("message", onMessage)
      w.once("error", reject)
    })
  )).catch(async (e) => {
    await Promise.all(pool.map((w) => w.terminate()))
    throw e
  })
  let nextId = 0
  const call = (w: Worker, configs: ReadonlyArray<SimConfig>): Promise<ReadonlyArray<Figures>> =>
    new Promise((resolve, reject) => {
      const id = nextId++
      const onMessage = (m: { id: number; figures?: ReadonlyArray<Figures>; error?: string }) => {
        if (m.id !== id) return
        w.off("message", onMessage)
        w.off("error", onError)
        if (m.error !== undefined) reject(new Error(m.error))
        else resolve(m.figures!)
      }
      const onError = (e: Error) => {
        w.off("message", onMessage)
        reject(e)
      }
      w.on("message", onMessage)
      w.once("error", onError)
      w.postMessage({ id, configs })
    })
  return {
    evaluate: async (configs) => {
      const size = Math.ceil(configs.length / pool.length)
      const parts = await Promise.all(pool.map((w, i) => call(w, configs.slice(i * size, (i + 1) * size))))
      return parts.flat()
    },
    close: async () => {
      await Promise.all(pool.map((w) => w.terminate()))
    }
  }
}
