import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc } from "effect"
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BreakerRegistry } from "effect-breaker"
import { render, target } from "../../scripts/settings-schema.js"
import * as SimConfig from "../../src/cli/sim/SimConfig.js"

/** Settings files, mostly valid, some with a bad value anywhere (the Schema's own Arbitrary is too slow here). */
const duration = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("30 seconds", "500 millis", "2 minutes", "1.5 seconds", "0 seconds", "10 minutes") },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(30, "30", "-1 seconds", "soon", null, "1e3 seconds") }
)
const count = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, "3", NaN, null) }
)
const fraction = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0.01, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 1.5, "0.5", -0.1) }
)
const window = fc.oneof(
  fc.record({ _tag: fc.constant("LastCalls"), size: count }),
  fc.record({ _tag: fc.constant("LastDuration"), duration, buckets: count })
)
const { policy } = fc.letrec<{ policy: unknown }>((tie) => ({
  policy: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ _tag: fc.constant("ConsecutiveFailures"), threshold: count }),
    fc.record({ _tag: fc.constant("FailureRate"), threshold: fraction, minimumCalls: count, window }),
    fc.record({ _tag: fc.constant("SlowCallRate"), threshold: fraction, minimumCalls: count, window, duration }),
    fc.record({ _tag: fc.constant("Any"), policies: fc.array(tie("policy"), { maxLength: 3 }) })
  )
}))
const settings = fc.record(
  {
    preset: fc.constantFrom<unknown>("default", "aggressive", "lenient", "yolo"),
    policy,
    openDuration: fc.oneof(duration, fc.record({ _tag: fc.constant("Exponential"), base: duration, factor: fc.constantFrom<unknown>(2, 1.5, 0, 200) }, { requiredKeys: ["_tag", "base"] })),
    maxOpenDuration: duration,
    halfOpen: fc.record({ permits: count, successesToClose: count, probeTimeout: duration }, { requiredKeys: [] })
  },
  { requiredKeys: [] }
)
const settingsFile = fc.record(
  { defaults: settings, breakers: fc.dictionary(fc.constantFrom("openai", "anthropic/claude", "a.b", " "), settings, { maxKeys: 3 }) },
  { requiredKeys: [] }
)

describe("the settings Schema", () => {
  it("schema/settings.schema.json is generated from it and up to date (npm run schema)", () => {
    assert.strictEqual(readFileSync(target, "utf8"), render())
  })

  it("the JSON Schema describes the vocabulary: no flat names, durations as text with a unit", () => {
    const text = render()
    for (const name of ["policy", "openDuration", "maxOpenDuration", "halfOpen", "permits", "successesToClose", "probeTimeout", "Exponential"]) {
      assert.include(text, `"${name}"`)
    }
    for (const old of ["openDurationMax", "halfOpenPermits", "openBackoff", "windowBuckets", "failureRate\""]) {
      assert.notInclude(text, old)
    }
  })

  it.prop(
    "a settings file the registry accepts is one the simulator accepts, and the other way round",
    [settingsFile],
    ([file]) => {
      const registry = BreakerRegistry.resolveJson(file)
      const sim = SimConfig.fromJson("generated.json", file)
      assert.strictEqual(Either.isRight(sim), Either.isRight(registry))
      if (Either.isRight(registry) && Either.isRight(sim)) {
        assert.deepStrictEqual(sim.right.map((c) => c.name), registry.right.map((r) => r.name))
        assert.deepStrictEqual(sim.right.map(({ name: _, ...settings }) => settings), registry.right.map((r) => r.settings))
      }
    },
    { fastCheck: { numRuns: 200 } }
  )

  it.effect("the same file on disk: the registry and the simulator agree, YAML and JSON, good and bad", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "settings-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const files: ReadonlyArray<readonly [string, string]> = [
        ["good.json", JSON.stringify({ defaults: { preset: "lenient" }, breakers: { a: { halfOpen: { permits: 2 } }, b: {} } })],
        ["bom.json", "\uFEFF" + JSON.stringify({ breakers: { a: { openDuration: "5 seconds" } } })],
        ["good.yaml", "breakers:\n  a:\n    openDuration: { _tag: Exponential, base: 2 seconds }\n"],
        ["bare.yaml", "breakers:\n  a:\n    openDuration: 30\n"],
        ["hex.yaml", "breakers:\n  a:\n    halfOpen: { permits: 0x10 }\n"],
        ["flat.json", JSON.stringify({ breakers: { a: { failureRate: 0.5 } } })],
        ["window.json", JSON.stringify({
          breakers: { a: { policy: { _tag: "FailureRate", threshold: 0.5, minimumCalls: 20, window: { _tag: "LastCalls", size: 5 } } } }
        })]
      ]
      for (const [name, text] of files) {
        const path = join(dir, name)
        writeFileSync(path, text)
        const registry = yield* Effect.either(BreakerRegistry.fromFile(path))
        const sim = yield* Effect.either(SimConfig.readFile(path))
        assert.strictEqual(Either.isRight(sim), Either.isRight(registry), name)
        if (Either.isLeft(registry) && Either.isLeft(sim)) {
          // the simulator names the same place as the registry
          assert.include(sim.left.message, registry.left.setting.slice(path.length + 2), name)
        }
      }
    }).pipe(Effect.scoped))
})
