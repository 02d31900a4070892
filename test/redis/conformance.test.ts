/**
 * fleet-core's conformance suite (the breaker's behaviour tests) against the
 * Redis store: a real redis-server, a fresh key prefix per test, `settle` =
 * flush what is buffered and reread the shared state.
 */
import { afterAll, beforeAll } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { RedisStore } from "effect-breaker/redis"
import type { RedisServer } from "effect-breaker/testing"
import { conformance } from "../conformance/breaker.js"
import { startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer | undefined
let close: () => Promise<void> = async () => {}
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

conformance("Redis store", {
  layer: Layer.suspend(() => RedisStore.layer({ url: server!.url, prefix: uniquePrefix() })),
  settle: Effect.flatMap(RedisStore.RedisFleet, (fleet) => Effect.zipRight(fleet.flush, fleet.resync))
})
