/**
 * The child's side of the multi-process Redis tests (`harness.ts` is the
 * parent's): runs `setup` in a scope under `TestContext` (this process's clock
 * is a TestClock, which only the parent's requests move), tells the parent it
 * is ready, then answers its requests one at a time over the IPC channel until
 * it is told to exit (the scope closes: buffered outcomes flushed, connections
 * closed) or the parent goes away (the process exits at once).
 */
import { Cause, Context, Effect, Exit, Layer, Queue, type Scope, TestContext } from "effect"
import { RedisStore } from "../../../src/redis/index.js"

export interface Request {
  readonly op: string
  readonly id: number
  readonly [k: string]: any
}

export type Handler = (request: Request) => Effect.Effect<unknown, unknown>

export const serve = <E>(setup: Effect.Effect<Handler, E, Scope.Scope>): void => {
  process.on("disconnect", () => process.exit(0))
  const reply = (m: unknown) => Effect.async<void>((resume) => void process.send!(m, () => resume(Effect.void)))
  const program = Effect.gen(function*() {
    const handle = yield* setup
    const inbox = yield* Queue.unbounded<Request>()
    process.on("message", (m: Request) => Queue.unsafeOffer(inbox, m))
    yield* reply({ ready: true })
    while (true) {
      const request = yield* Queue.take(inbox)
      if (request.op === "exit") return
      const exit = yield* Effect.exit(handle(request))
      yield* reply(
        Exit.isSuccess(exit) ? { id: request.id, ok: exit.value ?? null } : { id: request.id, error: Cause.pretty(exit.cause) }
      )
    }
  }).pipe(Effect.scoped, Effect.provide(TestContext.TestContext))
  Effect.runPromise(program).then(
    () => process.exit(0),
    (e) => {
      console.error(String(e))
      process.exit(1)
    }
  )
}

/**
 * This process's replica of the shared circuits: the Redis store's layer, built for the setup's scope (the same
 * flush and resync intervals as the in-process tests), and its fleet handle.
 */
export const fleetStore = (url: string, prefix: string) =>
  Effect.map(
    Layer.build(RedisStore.layer({ url, prefix, flushInterval: "20 millis", resyncInterval: "200 millis" })),
    (ctx) => ({ ctx, fleet: Context.get(ctx, RedisStore.RedisFleet) })
  )
