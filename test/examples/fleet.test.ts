import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { RedisServer } from "effect-breaker/testing"
import { program } from "../../examples/fleet.js"
import { startServer } from "../redis/support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

describe("examples/fleet", () => {
  it.live("three replicas: five failures anywhere open the circuit everywhere; a reset on one closes all", () =>
    Effect.gen(function*() {
      const result = yield* program(server.url)
      assert.deepStrictEqual(result, { rejected: "CircuitOpenError", opened: true, closed: true })
    }))
})
