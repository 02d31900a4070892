/** Garbage collection for the bounds tests, without a config flag: `--expose-gc` set at run time. */
import * as v8 from "node:v8"
import * as vm from "node:vm"

v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc") as () => void

/** Runs a full collection, then lets finalization callbacks run (they are queued as tasks). */
export const collectGarbage = async (): Promise<void> => {
  gc()
  await new Promise((resolve) => setTimeout(resolve, 10))
  gc()
}

/** Heap in use after a full collection, in MB. */
export const heapUsedMb = async (): Promise<number> => {
  await collectGarbage()
  return process.memoryUsage().heapUsed / 1_048_576
}
