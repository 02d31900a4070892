import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Exit, Layer, TestClock } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BreakerRegistry } from "effect-breaker"
import { BreakerObservers } from "../../src/internal/observer.js"
import { CircuitBreaker } from "effect-breaker"

class Boom {
  readonly _tag = "Boom"
}
const fail = Effect.fail(new Boom())

const env = (vars: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(vars)))

const fromEnv = (vars: Record<string, string>) =>
  BreakerRegistry.fromConfig().pipe(Effect.withConfigProvider(env(vars)))

const configError = (vars: Record<string, string>) => Effect.flip(fromEnv(vars))

const failTimes = (breaker: CircuitBreaker.CircuitBreaker, n: number) =>
  Effect.repeatN(Effect.ignore(breaker(fail)), n - 1)

describe("BreakerRegistry from environment variables", () => {
  it.effect("BREAKERS names the breakers; a breaker starts from its preset and overrides fields", () =>
    Effect.gen(function*() {
      const registry = yield* fromEnv({
        BREAKERS: " openai/gpt-4o , anthropic ,",
        BREAKER_OPENAI_GPT_4O_PRESET: "aggressive",
        BREAKER_OPENAI_GPT_4O_FAILURE_RATE: "0.5",
        BREAKER_ANTHROPIC_OPEN_DURATION: "45 seconds"
      })
      assert.deepStrictEqual(registry.names, ["openai/gpt-4o", "anthropic"])
      const openai = registry.entry("openai/gpt-4o")!.settings
      assert.strictEqual(openai.preset, "aggressive")
      assert.strictEqual(openai.failureRate, 0.5)
      assert.strictEqual(openai.consecutiveFailures, BreakerRegistry.presets.aggressive.consecutiveFailures)
      const anthropic = registry.entry("anthropic")!.settings
      assert.strictEqual(anthropic.preset, "default")
      assert.strictEqual(anthropic.openDurationMs, 45_000)
      assert.strictEqual(anthropic.consecutiveFailures, BreakerRegistry.presets.default.consecutiveFailures)
      assert.strictEqual((yield* registry.get("openai/gpt-4o")).name, "openai/gpt-4o")
    }))

  it.effect("BREAKERS_<FIELD> applies to every breaker; BREAKER_<KEY>_<FIELD> wins over it", () =>
    Effect.gen(function*() {
      const registry = yield* fromEnv({
        BREAKERS: "a,b",
        BREAKERS_PRESET: "lenient",
        BREAKERS_CONSECUTIVE_FAILURES: "7",
        BREAKER_B_CONSECUTIVE_FAILURES: "2"
      })
      assert.strictEqual(registry.entry("a")!.settings.preset, "lenient")
      assert.strictEqual(registry.entry("a")!.settings.consecutiveFailures, 7)
      assert.strictEqual(registry.entry("b")!.settings.consecutiveFailures, 2)
      assert.strictEqual(registry.entry("b")!.settings.halfOpenPermits, BreakerRegistry.presets.lenient.halfOpenPermits)
    }))

  it.effect("reads the real process environment through ConfigProvider.fromEnv", () =>
    Effect.gen(function*() {
      const vars = { BREAKERS: "env-test.model", BREAKER_ENV_TEST_MODEL_HALF_OPEN_PERMITS: "4" }
      Object.assign(process.env, vars)
      const registry = yield* BreakerRegistry.fromConfig().pipe(
        Effect.withConfigProvider(ConfigProvider.fromEnv()),
        Effect.ensuring(Effect.sync(() => Object.keys(vars).forEach((k) => delete process.env[k])))
      )
      assert.strictEqual(registry.entry("env-test.model")!.settings.halfOpenPermits, 4)
    }))

  it.effect("no BREAKERS: an empty registry; unknown name: UnknownBreakerError listing the known ones", () =>
    Effect.gen(function*() {
      const empty = yield* fromEnv({})
      assert.deepStrictEqual(empty.names, [])
      const registry = yield* fromEnv({ BREAKERS: "openai" })
      const error = yield* Effect.flip(registry.get("opena1"))
      assert.strictEqual(error._tag, "UnknownBreakerError")
      assert.strictEqual(error.name, "opena1")
      assert.deepStrictEqual(error.known, ["openai"])
      assert.include(error.message, "\"opena1\"")
    }))

  it.effect("a bad value fails naming the variable and the value", () =>
    Effect.gen(function*() {
      const cases: Array<[Record<string, string>, string, string]> = [
        [{ BREAKERS: "openai", BREAKER_OPENAI_FAILURE_RATE: "abc" }, "BREAKER_OPENAI_FAILURE_RATE", "\"abc\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_FAILURE_RATE: "1.5" }, "BREAKER_OPENAI_FAILURE_RATE", "\"1.5\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_OPEN_DURATION: "30" }, "BREAKER_OPENAI_OPEN_DURATION", "\"30\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_PROBE_TIMEOUT: "-1 seconds" }, "BREAKER_OPENAI_PROBE_TIMEOUT", "\"-1 seconds\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_PRESET: "yolo" }, "BREAKER_OPENAI_PRESET", "\"yolo\""],
        [{ BREAKERS: "openai", BREAKERS_HALF_OPEN_PERMITS: "0" }, "BREAKERS_HALF_OPEN_PERMITS", "\"0\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_OPEN_BACKOFF: "linear" }, "BREAKER_OPENAI_OPEN_BACKOFF", "\"linear\""]
      ]
      for (const [vars, setting, value] of cases) {
        const error = yield* configError(vars)
        assert.strictEqual(error._tag, "RegistryConfigError")
        assert.strictEqual(error.setting, setting)
        assert.strictEqual(error.value, value)
        assert.include(error.message, setting)
        assert.include(error.message, value)
      }
    }))

  it.effect("cross-field checks blame the setting the user gave", () =>
    Effect.gen(function*() {
      const tooLong = yield* configError({ BREAKERS: "x", BREAKER_X_OPEN_DURATION: "10 minutes" })
      assert.strictEqual(tooLong.setting, "BREAKER_X_OPEN_DURATION")
      assert.include(tooLong.expected, "openDurationMax")
      const tooShort = yield* configError({ BREAKERS: "x", BREAKER_X_OPEN_DURATION_MAX: "1 second" })
      assert.strictEqual(tooShort.setting, "BREAKER_X_OPEN_DURATION_MAX")
      const off = yield* configError({
        BREAKERS: "x",
        BREAKER_X_CONSECUTIVE_FAILURES: "0",
        BREAKER_X_FAILURE_RATE: "0"
      })
      assert.strictEqual(off.setting, "BREAKER_X_CONSECUTIVE_FAILURES")
      assert.include(off.expected, "at least one trip policy")
    }))

  it.effect("names whose keys collide, or that have no key, fail on BREAKERS", () =>
    Effect.gen(function*() {
      const collide = yield* configError({ BREAKERS: "gpt-4o,gpt.4o" })
      assert.strictEqual(collide.setting, "BREAKERS")
      assert.include(collide.value, "gpt-4o")
      assert.include(collide.value, "gpt.4o")
      assert.include(collide.expected, "BREAKER_GPT_4O_")
      const blank = yield* configError({ BREAKERS: "ok,--" })
      assert.strictEqual(blank.setting, "BREAKERS")
      const twice = yield* configError({ BREAKERS: "a,a" })
      assert.strictEqual(twice.setting, "BREAKERS")
    }))

  it("envKey and variable spell the scheme", () => {
    assert.strictEqual(BreakerRegistry.envKey("openai/gpt-4o"), "OPENAI_GPT_4O")
    assert.strictEqual(BreakerRegistry.envKey("anthropic/claude-3.5-sonnet"), "ANTHROPIC_CLAUDE_3_5_SONNET")
    assert.strictEqual(BreakerRegistry.variable("openai/gpt-4o", "failureRate"), "BREAKER_OPENAI_GPT_4O_FAILURE_RATE")
    assert.strictEqual(BreakerRegistry.variable("a", "openDurationMax"), "BREAKER_A_OPEN_DURATION_MAX")
  })
})

describe("BreakerRegistry from JSON and code", () => {
  it.effect("JSON: defaults, per-breaker settings, numbers as millis", () =>
    Effect.gen(function*() {
      const registry = yield* BreakerRegistry.fromJson({
        defaults: { preset: "lenient" },
        breakers: { "openai/gpt-4o": { failureRate: 0.4, probeTimeout: 5000 }, anthropic: {} }
      })
      assert.strictEqual(registry.entry("openai/gpt-4o")!.settings.failureRate, 0.4)
      assert.strictEqual(registry.entry("openai/gpt-4o")!.settings.probeTimeoutMs, 5000)
      assert.strictEqual(registry.entry("anthropic")!.settings.preset, "lenient")
    }))

  it.effect("JSON errors name the path; a typo in a key is an error, not ignored", () =>
    Effect.gen(function*() {
      const bad = yield* Effect.flip(BreakerRegistry.fromJson({ breakers: { openai: { failureRate: "lots" } } }))
      assert.strictEqual(bad.setting, "breakers[\"openai\"].failureRate")
      assert.strictEqual(bad.value, "\"lots\"")
      const typo = yield* Effect.flip(BreakerRegistry.fromJson({ breakers: { openai: { failurerate: 0.5 } } }))
      assert.strictEqual(typo.setting, "breakers[\"openai\"].failurerate")
      assert.include(typo.expected, "failureRate")
      const top = yield* Effect.flip(BreakerRegistry.fromJson({ breaker: {} }))
      assert.strictEqual(top.setting, "breaker")
      const notObject = yield* Effect.flip(BreakerRegistry.fromJson([1, 2]))
      assert.strictEqual(notObject.setting, "(root)")
    }))

  it.effect("fromJsonFile reads a real file; a bad file is named and its text never echoed", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "registry-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const good = join(dir, "breakers.json")
      writeFileSync(good, JSON.stringify({ breakers: { openai: { preset: "aggressive", halfOpenPermits: 2 } } }))
      const registry = yield* BreakerRegistry.fromJsonFile(good)
      assert.strictEqual(registry.entry("openai")!.settings.halfOpenPermits, 2)

      const broken = join(dir, "broken.json")
      writeFileSync(broken, "{ \"apiKey\": \"sk-live-SECRET\", oops }")
      const parseError = yield* Effect.flip(BreakerRegistry.fromJsonFile(broken))
      assert.strictEqual(parseError.setting, broken)
      assert.notInclude(parseError.message, "SECRET")

      const missing = yield* Effect.flip(BreakerRegistry.fromJsonFile(join(dir, "nope.json")))
      assert.include(missing.expected, "ENOENT")

      const badValue = join(dir, "bad.json")
      writeFileSync(badValue, JSON.stringify({ breakers: { openai: { windowBuckets: 0 } } }))
      const valueError = yield* Effect.flip(BreakerRegistry.fromJsonFile(badValue))
      assert.strictEqual(valueError.setting, `${badValue}: breakers["openai"].windowBuckets`)
    }).pipe(Effect.scoped))

  it.effect("fromFile reads YAML too: the same shape, errors named by path and setting, text never echoed", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "registry-yaml-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const good = join(dir, "breakers.yaml")
      writeFileSync(
        good,
        [
          "defaults:",
          "  halfOpenPermits: 2",
          "breakers:",
          "  openai/gpt-4o:",
          "    preset: aggressive",
          "    openDuration: 20 seconds",
          "  anthropic: {}",
          ""
        ].join("\n")
      )
      const registry = yield* BreakerRegistry.fromFile(good)
      assert.deepStrictEqual([...registry.names].sort(), ["anthropic", "openai/gpt-4o"])
      assert.strictEqual(registry.entry("openai/gpt-4o")!.settings.openDurationMs, 20_000)
      assert.strictEqual(registry.entry("anthropic")!.settings.halfOpenPermits, 2)

      const broken = join(dir, "broken.yml")
      writeFileSync(broken, "breakers:\n  openai: [apiKey: sk-live-SECRET\n  : :")
      const parseError = yield* Effect.flip(BreakerRegistry.fromFile(broken))
      assert.strictEqual(parseError.setting, broken)
      assert.strictEqual(parseError.expected, "valid YAML")
      assert.notInclude(parseError.message, "SECRET")

      const badValue = join(dir, "bad.yaml")
      writeFileSync(badValue, "breakers:\n  openai:\n    failureRate: 1.5\n")
      const valueError = yield* Effect.flip(BreakerRegistry.fromFile(badValue))
      assert.strictEqual(valueError.setting, `${badValue}: breakers["openai"].failureRate`)
      assert.strictEqual(valueError.value, "1.5")
    }).pipe(Effect.scoped))

  it.effect("code: typed settings, and errors named like JSON", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(BreakerRegistry.make({ breakers: { openai: { successesToClose: 0.5 } } }))
      assert.strictEqual(error.setting, "breakers[\"openai\"].successesToClose")
    }))

  it.effect("every preset resolves and makes a breaker", () =>
    Effect.gen(function*() {
      for (const preset of BreakerRegistry.presetNames) {
        const registry = yield* BreakerRegistry.make({ breakers: { x: { preset } } })
        const settings = registry.entry("x")!.settings
        assert.strictEqual(settings.preset, preset)
        assert.strictEqual(settings.consecutiveFailures, BreakerRegistry.presets[preset].consecutiveFailures)
        assert.strictEqual((yield* registry.all[0]!.stats).state, "Closed")
      }
    }))
})

describe("resolveOptions", () => {
  it.effect("gives the options a registry would use, so a lone breaker behaves the same", () =>
    Effect.gen(function*() {
      const resolved = BreakerRegistry.resolveOptions("solo", { preset: "aggressive", consecutiveFailures: 2 })
      assert.isTrue(Either.isRight(resolved))
      if (Either.isLeft(resolved)) return
      assert.strictEqual(resolved.right.settings.failureRate, BreakerRegistry.presets.aggressive.failureRate)
      const breaker = yield* CircuitBreaker.make(resolved.right.options)
      yield* failTimes(breaker, 2)
      assert.strictEqual((yield* breaker.stats).retryAfterMs, 60_000)
      const bad = BreakerRegistry.resolveOptions("solo", { failureRate: 2 })
      assert.isTrue(Either.isLeft(bad) && bad.left.setting === "breakers[\"solo\"].failureRate")
    }))
})

describe("breakers made by the registry", () => {
  it.effect("behave as their settings say, on the TestClock: aggressive trips at 3, backs off exponentially", () =>
    Effect.gen(function*() {
      const registry = yield* BreakerRegistry.make({
        breakers: { openai: { preset: "aggressive", successesToClose: 1 } }
      })
      const breaker = yield* registry.get("openai")
      yield* failTimes(breaker, 2)
      assert.strictEqual((yield* breaker.stats).state, "Closed")
      yield* failTimes(breaker, 1)
      let stats = yield* breaker.stats
      assert.strictEqual(stats.state, "Open")
      assert.strictEqual(stats.retryAfterMs, 60_000)
      const rejected = yield* Effect.flip(breaker(Effect.succeed(1)))
      assert.strictEqual(rejected._tag, "CircuitOpenError")
      yield* TestClock.adjust("60 seconds")
      yield* Effect.ignore(breaker(fail)) // the probe fails: second opening, twice as long
      stats = yield* breaker.stats
      assert.strictEqual(stats.state, "Open")
      assert.strictEqual(stats.retryAfterMs, 120_000)
      yield* TestClock.adjust("120 seconds")
      assert.strictEqual(yield* breaker(Effect.succeed("ok")), "ok")
      assert.strictEqual((yield* breaker.stats).state, "Closed")
    }))

  it.effect("the layer makes breakers with the observers of the context it is built in", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const observers = Layer.succeed(BreakerObservers, [{ onTransition: (t) => seen.push(`${t.breaker}:${t.to}`) }])
      const layer = BreakerRegistry.layer({ breakers: { openai: { consecutiveFailures: 1 } } }).pipe(
        Layer.provide(observers)
      )
      yield* Effect.gen(function*() {
        const breaker = yield* BreakerRegistry.get("openai")
        yield* Effect.ignore(breaker(fail))
      }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(seen, ["openai:Open"])
    }))

  it.effect("a failing layer surfaces RegistryConfigError at start-up", () =>
    Effect.gen(function*() {
      const exit = yield* BreakerRegistry.get("x").pipe(
        Effect.provide(BreakerRegistry.layerConfig()),
        Effect.withConfigProvider(env({ BREAKERS: "x", BREAKER_X_WINDOW: "soon" })),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        assert.strictEqual(exit.cause.error._tag, "RegistryConfigError")
        if (exit.cause.error._tag === "RegistryConfigError") assert.strictEqual(exit.cause.error.setting, "BREAKER_X_WINDOW")
      } else assert.fail("expected a typed failure")
    }))
})
