/**
 * Reading inputs and writing results, for every command (simulate, tune,
 * drill). Results are written atomically: every file goes to a temporary name
 * beside its target first, and only when all of them are written are they
 * renamed into place; on failure the temporaries are removed, so a failed run
 * leaves nothing half-written.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"

/** Reading an input or writing a result failed at the file-system level. @internal */
export class IoError extends Data.TaggedError("IoError")<{
  readonly path: string
  readonly operation: "read" | "write"
  readonly reason: string
}> {
  override get message(): string {
    return `cannot ${this.operation} ${this.path}: ${this.reason}`
  }
}

const reason = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String((e as Error).message ?? e)

/** @internal */
export const readText = (file: string): Effect.Effect<string, IoError> =>
  Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (e) => new IoError({ path: file, operation: "read", reason: reason(e) })
  })

/**
 * Writes every `[path, contents]` pair, all or nothing.
 *
 * @internal
 */
export const writeAllAtomic = (files: ReadonlyArray<readonly [string, string]>): Effect.Effect<void, IoError> =>
  Effect.gen(function*() {
    const temps: Array<readonly [string, string]> = []
    const cleanup = Effect.promise(() => Promise.all(temps.map(([tmp]) => fs.rm(tmp, { force: true }))))
    for (const [target, contents] of files) {
      const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${temps.length}.tmp`)
      yield* Effect.tryPromise({
        try: async () => {
          await fs.mkdir(path.dirname(target), { recursive: true })
          await fs.writeFile(tmp, contents, { flag: "wx" })
        },
        catch: (e) => new IoError({ path: target, operation: "write", reason: reason(e) })
      }).pipe(Effect.tapError(() => cleanup))
      temps.push([tmp, target])
    }
    for (const [tmp, target] of temps) {
      yield* Effect.tryPromise({
        try: () => fs.rename(tmp, target),
        catch: (e) => new IoError({ path: target, operation: "write", reason: reason(e) })
      }).pipe(Effect.tapError(() => cleanup))
    }
  })
