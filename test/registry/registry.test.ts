import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Exit, Layer, Redacted, TestClock } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BreakerRegistry, Outcome } from "effect-breaker"
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

const CF = (threshold: number) => ({ _tag: "ConsecutiveFailures", threshold }) as const

/** The smallest consecutive-failures threshold of a preset's policy. */
const consecutive = (s: BreakerRegistry.SettingsJson): number => {
  const walk = (p: any): number =>
    p._tag === "ConsecutiveFailures" ? p.threshold : p._tag === "Any" ? Math.min(...p.policies.map(walk)) : Infinity
  return walk(s.policy)
}

describe("BreakerRegistry from environment variables", () => {
  it.effect("BREAKERS names the breakers; a breaker starts from its preset and overrides fields", () =>
    Effect.gen(function*() {
      const registry = yield* fromEnv({
        BREAKERS: " openai/gpt-4o , anthropic ,",
        BREAKER_OPENAI_GPT_4O_PRESET: "aggressive",
        BREAKER_OPENAI_GPT_4O_POLICY: "{\"_tag\":\"ConsecutiveFailures\",\"threshold\":7}",
        BREAKER_ANTHROPIC_OPEN_DURATION: "45 seconds",
        BREAKER_ANTHROPIC_HALF_OPEN_PROBE_TIMEOUT: " 20 seconds "
      })
      assert.deepStrictEqual(registry.names, ["openai/gpt-4o", "anthropic"])
      const openai = registry.entry("openai/gpt-4o")!.settings
      assert.strictEqual(openai.preset, "aggressive")
      assert.deepStrictEqual(openai.policy, CF(7))
      assert.deepStrictEqual(openai.openDuration, BreakerRegistry.presets.aggressive.openDuration)
      const anthropic = registry.entry("anthropic")!.settings
      assert.strictEqual(anthropic.preset, "default")
      assert.strictEqual(anthropic.openDuration, "45 seconds")
      assert.strictEqual(anthropic.halfOpen.probeTimeout, "20 seconds")
      assert.deepStrictEqual(anthropic.policy, BreakerRegistry.presets.default.policy)
      assert.strictEqual((yield* registry.get("openai/gpt-4o")).name, "openai/gpt-4o")
    }))

  it.effect("BREAKERS_<FIELD> applies to every breaker; BREAKER_<KEY>_<FIELD> wins over it; halfOpen merges by field", () =>
    Effect.gen(function*() {
      const registry = yield* fromEnv({
        BREAKERS: "a,b",
        BREAKERS_PRESET: "lenient",
        BREAKERS_HALF_OPEN_PERMITS: "7",
        BREAKER_B_HALF_OPEN_PERMITS: "2",
        BREAKER_B_OPEN_DURATION: "{\"_tag\":\"Exponential\",\"base\":\"1 second\",\"factor\":3}"
      })
      assert.strictEqual(registry.entry("a")!.settings.preset, "lenient")
      assert.strictEqual(registry.entry("a")!.settings.halfOpen.permits, 7)
      assert.strictEqual(registry.entry("b")!.settings.halfOpen.permits, 2)
      assert.strictEqual(registry.entry("b")!.settings.halfOpen.successesToClose, BreakerRegistry.presets.lenient.halfOpen!.successesToClose)
      assert.deepStrictEqual(registry.entry("b")!.settings.openDuration, { _tag: "Exponential", base: "1 second", factor: 3 })
    }))

  it.effect("reads the real process environment through ConfigProvider.fromEnv", () =>
    Effect.gen(function*() {
      const vars = { BREAKERS: "env-test.model", BREAKER_ENV_TEST_MODEL_HALF_OPEN_PERMITS: "4" }
      Object.assign(process.env, vars)
      const registry = yield* BreakerRegistry.fromConfig().pipe(
        Effect.withConfigProvider(ConfigProvider.fromEnv()),
        Effect.ensuring(Effect.sync(() => Object.keys(vars).forEach((k) => delete process.env[k])))
      )
      assert.strictEqual(registry.entry("env-test.model")!.settings.halfOpen.permits, 4)
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

  it.effect("a bad value fails naming the variable and the value as written", () =>
    Effect.gen(function*() {
      const cases: Array<[Record<string, string>, string, string]> = [
        [{ BREAKERS: "openai", BREAKER_OPENAI_HALF_OPEN_PERMITS: "abc" }, "BREAKER_OPENAI_HALF_OPEN_PERMITS", "\"abc\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_HALF_OPEN_PERMITS: "1.5" }, "BREAKER_OPENAI_HALF_OPEN_PERMITS", "\"1.5\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_HALF_OPEN_PERMITS: "0x10" }, "BREAKER_OPENAI_HALF_OPEN_PERMITS", "\"0x10\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_HALF_OPEN_PERMITS: "1e3" }, "BREAKER_OPENAI_HALF_OPEN_PERMITS", "\"1e3\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_OPEN_DURATION: "30" }, "BREAKER_OPENAI_OPEN_DURATION", "\"30\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_HALF_OPEN_PROBE_TIMEOUT: "-1 seconds" }, "BREAKER_OPENAI_HALF_OPEN_PROBE_TIMEOUT", "\"-1 seconds\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_PRESET: "yolo" }, "BREAKER_OPENAI_PRESET", "\"yolo\""],
        [{ BREAKERS: "openai", BREAKERS_HALF_OPEN_PERMITS: "0" }, "BREAKERS_HALF_OPEN_PERMITS", "\"0\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_POLICY: "consecutive" }, "BREAKER_OPENAI_POLICY", "\"consecutive\""],
        [{ BREAKERS: "openai", BREAKER_OPENAI_MAX_OPEN_DURATION: "5 min" }, "BREAKER_OPENAI_MAX_OPEN_DURATION", "\"5 min\""]
      ]
      for (const [vars, setting, value] of cases) {
        const error = yield* configError(vars)
        assert.strictEqual(error._tag, "RegistryConfigError")
        assert.strictEqual(error.setting, setting)
        assert.strictEqual(error.value, value)
        assert.include(error.message, setting)
        assert.include(error.message, value)
      }
      const bare = yield* configError({ BREAKERS: "openai", BREAKER_OPENAI_OPEN_DURATION: "30" })
      assert.include(bare.expected, "with a unit")
    }))

  it.effect("a bad field inside a JSON variable names the variable and the option path", () =>
    Effect.gen(function*() {
      const error = yield* configError({
        BREAKERS: "x",
        BREAKER_X_POLICY: "{\"_tag\":\"FailureRate\",\"threshold\":2,\"minimumCalls\":5,\"window\":{\"_tag\":\"LastCalls\",\"size\":10}}"
      })
      assert.strictEqual(error.setting, "BREAKER_X_POLICY")
      assert.strictEqual(error.option, "policy.threshold")
      assert.strictEqual(error.value, "2")
    }))

  it.effect("checks across fields blame the setting the user gave", () =>
    Effect.gen(function*() {
      const base = yield* configError({
        BREAKERS: "x",
        BREAKER_X_OPEN_DURATION: "{\"_tag\":\"Exponential\",\"base\":\"10 minutes\"}"
      })
      assert.strictEqual(base.setting, "BREAKER_X_OPEN_DURATION")
      assert.strictEqual(base.option, "openDuration.base")
      assert.include(base.expected, "maxOpenDuration")
      const window = yield* configError({
        BREAKERS: "x",
        BREAKER_X_POLICY: "{\"_tag\":\"FailureRate\",\"threshold\":0.5,\"minimumCalls\":20,\"window\":{\"_tag\":\"LastCalls\",\"size\":10}}"
      })
      assert.strictEqual(window.setting, "BREAKER_X_POLICY")
      assert.strictEqual(window.option, "policy.window.size")
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
      const invisible = yield* configError({ BREAKERS: "ok,\u200B" })
      assert.strictEqual(invisible.setting, "BREAKERS")
    }))

  it("envKey and variable spell the scheme", () => {
    assert.strictEqual(BreakerRegistry.envKey("openai/gpt-4o"), "OPENAI_GPT_4O")
    assert.strictEqual(BreakerRegistry.envKey("anthropic/claude-3.5-sonnet"), "ANTHROPIC_CLAUDE_3_5_SONNET")
    assert.strictEqual(BreakerRegistry.variable("openai/gpt-4o", "policy"), "BREAKER_OPENAI_GPT_4O_POLICY")
    assert.strictEqual(BreakerRegistry.variable("a", "halfOpen.permits"), "BREAKER_A_HALF_OPEN_PERMITS")
    assert.strictEqual(BreakerRegistry.variable("a", "maxOpenDuration"), "BREAKER_A_MAX_OPEN_DURATION")
  })
})

describe("BreakerRegistry from JSON and code", () => {
  it.effect("JSON: defaults, per-breaker settings in the one vocabulary", () =>
    Effect.gen(function*() {
      const registry = yield* BreakerRegistry.fromJson({
        defaults: { preset: "lenient" },
        breakers: {
          "openai/gpt-4o": { policy: CF(4), halfOpen: { probeTimeout: "5 seconds" } },
          anthropic: {}
        }
      })
      assert.deepStrictEqual(registry.entry("openai/gpt-4o")!.settings.policy, CF(4))
      assert.strictEqual(registry.entry("openai/gpt-4o")!.settings.halfOpen.probeTimeout, "5 seconds")
      assert.strictEqual(registry.entry("openai/gpt-4o")!.settings.halfOpen.permits, BreakerRegistry.presets.lenient.halfOpen!.permits)
      assert.strictEqual(registry.entry("anthropic")!.settings.preset, "lenient")
    }))

  it.effect("JSON errors name the path; a typo in a key is an error, not ignored; a bare number is not a duration", () =>
    Effect.gen(function*() {
      const bad = yield* Effect.flip(BreakerRegistry.fromJson({ breakers: { openai: { halfOpen: { permits: "lots" } } } }))
      assert.strictEqual(bad.setting, "breakers[\"openai\"].halfOpen.permits")
      assert.strictEqual(bad.value, "\"lots\"")
      const typo = yield* Effect.flip(BreakerRegistry.fromJson({ breakers: { openai: { maxOpenDurration: "1 minute" } } }))
      assert.strictEqual(typo.setting, "breakers[\"openai\"].maxOpenDurration")
      assert.include(typo.expected, "maxOpenDuration")
      const flat = yield* Effect.flip(BreakerRegistry.fromJson({ breakers: { openai: { failureRate: 0.5 } } }))
      assert.strictEqual(flat.setting, "breakers[\"openai\"].failureRate")
      const bare = yield* Effect.flip(BreakerRegistry.fromJson({ breakers: { openai: { openDuration: 30 } } }))
      assert.strictEqual(bare.setting, "breakers[\"openai\"].openDuration")
      assert.strictEqual(bare.value, "30")
      const nested = yield* Effect.flip(BreakerRegistry.fromJson({
        breakers: { "a.b": { policy: { _tag: "Any", policies: [CF(3), { _tag: "FailureRate", threshold: 1.5 }] } } }
      }))
      assert.strictEqual(nested.setting, "breakers[\"a.b\"].policy.policies[1].threshold")
      const top = yield* Effect.flip(BreakerRegistry.fromJson({ breaker: {} }))
      assert.strictEqual(top.setting, "breaker")
      const notObject = yield* Effect.flip(BreakerRegistry.fromJson([1, 2]))
      assert.strictEqual(notObject.setting, "(root)")
      const nul = yield* Effect.flip(BreakerRegistry.fromJson({ breakers: { openai: { policy: null } } }))
      assert.strictEqual(nul.setting, "breakers[\"openai\"].policy")
      const blank = yield* Effect.flip(BreakerRegistry.fromJson({ breakers: { "  ": {} } }))
      assert.strictEqual(blank.setting, "breakers[\"  \"]")
    }))

  it.effect("fromJsonFile reads a real file (a UTF-8 BOM is skipped); a bad file is named and its text never echoed", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "registry-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const good = join(dir, "breakers.json")
      writeFileSync(good, "\uFEFF" + JSON.stringify({ breakers: { openai: { preset: "aggressive", halfOpen: { permits: 2 } } } }))
      const registry = yield* BreakerRegistry.fromJsonFile(good)
      assert.strictEqual(registry.entry("openai")!.settings.halfOpen.permits, 2)

      const broken = join(dir, "broken.json")
      writeFileSync(broken, "{ \"apiKey\": \"sk-live-SECRET\", oops }")
      const parseError = yield* Effect.flip(BreakerRegistry.fromJsonFile(broken))
      assert.strictEqual(parseError.setting, broken)
      assert.notInclude(parseError.message, "SECRET")

      const missing = yield* Effect.flip(BreakerRegistry.fromJsonFile(join(dir, "nope.json")))
      assert.include(missing.expected, "ENOENT")

      const badValue = join(dir, "bad.json")
      writeFileSync(badValue, JSON.stringify({ breakers: { openai: { halfOpen: { permits: 0 } } } }))
      const valueError = yield* Effect.flip(BreakerRegistry.fromJsonFile(badValue))
      assert.strictEqual(valueError.setting, `${badValue}: breakers["openai"].halfOpen.permits`)
    }).pipe(Effect.scoped))

  it.effect("fromFile reads YAML too: the same shape, the same number rule as the environment, text never echoed", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "registry-yaml-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const good = join(dir, "breakers.yaml")
      writeFileSync(
        good,
        [
          "\uFEFFdefaults:",
          "  halfOpen:",
          "    permits: 2",
          "breakers:",
          "  openai/gpt-4o:",
          "    preset: aggressive",
          "    openDuration: 20 seconds",
          "    policy: { _tag: FailureRate, threshold: 0.5, minimumCalls: 10, window: { _tag: LastCalls, size: 100 } }",
          "  anthropic: {}",
          ""
        ].join("\n")
      )
      const registry = yield* BreakerRegistry.fromFile(good)
      assert.deepStrictEqual([...registry.names].sort(), ["anthropic", "openai/gpt-4o"])
      assert.strictEqual(registry.entry("openai/gpt-4o")!.settings.openDuration, "20 seconds")
      assert.strictEqual((registry.entry("openai/gpt-4o")!.settings.policy as any).threshold, 0.5)
      assert.strictEqual(registry.entry("anthropic")!.settings.halfOpen.permits, 2)

      const broken = join(dir, "broken.yml")
      writeFileSync(broken, "breakers:\n  openai: [apiKey: sk-live-SECRET\n  : :")
      const parseError = yield* Effect.flip(BreakerRegistry.fromFile(broken))
      assert.strictEqual(parseError.setting, broken)
      assert.strictEqual(parseError.expected, "valid YAML")
      assert.strictEqual(parseError.value, String(Redacted.make("file text")))
      assert.notInclude(parseError.message, "SECRET")

      const cases: ReadonlyArray<readonly [string, string, string]> = [
        ["openDuration: 30", "openDuration", "30"],
        ["halfOpen: { permits: 0x10 }", "halfOpen.permits", "\"0x10\""],
        ["halfOpen: { permits: 1e3 }", "halfOpen.permits", "\"1e3\""],
        ["policy: { _tag: ConsecutiveFailures, threshold: 1.5 }", "policy.threshold", "1.5"]
      ]
      for (const [line, path, value] of cases) {
        const badValue = join(dir, "bad.yaml")
        writeFileSync(badValue, `breakers:\n  openai:\n    ${line}\n`)
        const valueError = yield* Effect.flip(BreakerRegistry.fromFile(badValue))
        assert.strictEqual(valueError.setting, `${badValue}: breakers["openai"].${path}`)
        assert.strictEqual(valueError.value, value)
      }
    }).pipe(Effect.scoped))

  it.effect("code: typed settings, and errors named like JSON", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(BreakerRegistry.make({ breakers: { openai: { halfOpen: { successesToClose: 0.5 } } } }))
      assert.strictEqual(error.setting, "breakers[\"openai\"].halfOpen.successesToClose")
      const inDefaults = yield* Effect.flip(BreakerRegistry.make({ defaults: { halfOpen: { permits: -1 } }, breakers: { a: {} } }))
      assert.strictEqual(inDefaults.setting, "defaults.halfOpen.permits")
    }))

  it.effect("code: defaults together with classify (issue 9 finding 6); a classify that is not a function is refused", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const registry = yield* BreakerRegistry.make({
        defaults: { preset: "lenient", policy: CF(1) },
        breakers: { openai: {}, anthropic: { maxOpenDuration: Duration.minutes(3) } },
        classify: () => {
          seen.push("classified")
          return Outcome.failure()
        }
      })
      assert.deepStrictEqual(registry.names, ["openai", "anthropic"])
      assert.strictEqual(registry.entry("anthropic")!.settings.maxOpenDuration, "3 minutes")
      yield* Effect.ignore((yield* registry.get("openai"))(Effect.succeed(1)))
      assert.deepStrictEqual(seen, ["classified"])
      assert.strictEqual((yield* (yield* registry.get("openai")).stats).state, "Open")
      const bad = yield* Effect.flip(
        BreakerRegistry.make({ breakers: { a: {} }, classify: "yes" as unknown as BreakerRegistry.Options["classify"] })
      )
      assert.strictEqual(bad.setting, "classify")
      const badJson = yield* Effect.flip(BreakerRegistry.fromJson({ breakers: {} }, { classify: 5 as any }))
      assert.strictEqual(badJson.setting, "classify")
    }))

  it.effect("every preset resolves and makes a breaker", () =>
    Effect.gen(function*() {
      for (const preset of BreakerRegistry.presetNames) {
        const registry = yield* BreakerRegistry.make({ breakers: { x: { preset } } })
        const settings = registry.entry("x")!.settings
        assert.strictEqual(settings.preset, preset)
        assert.deepStrictEqual(settings.policy, BreakerRegistry.presets[preset].policy)
        assert.strictEqual((yield* registry.all[0]!.stats).state, "Closed")
      }
    }))

  it.effect("a preset is a value of the one Settings type: CircuitBreaker.make takes it as it is", () =>
    Effect.gen(function*() {
      const preset = BreakerRegistry.presets.aggressive
      const threshold = consecutive(preset)
      const openMs = Duration.toMillis((preset.openDuration as { base: Duration.DurationInput }).base)
      const breaker = yield* CircuitBreaker.make({ name: "p", ...preset })
      yield* failTimes(breaker, threshold)
      assert.strictEqual((yield* breaker.stats).retryAfterMs, openMs)
      const viaPreset = yield* CircuitBreaker.make({ name: "q", preset: "aggressive" })
      yield* failTimes(viaPreset, threshold)
      assert.strictEqual((yield* viaPreset.stats).retryAfterMs, openMs)
    }))
})

describe("resolveOptions", () => {
  it.effect("gives the options a registry would use, so a lone breaker behaves the same", () =>
    Effect.gen(function*() {
      const resolved = BreakerRegistry.resolveOptions("solo", { preset: "aggressive", policy: CF(2) })
      assert.isTrue(Either.isRight(resolved))
      if (Either.isLeft(resolved)) return
      assert.deepStrictEqual(resolved.right.settings.openDuration, BreakerRegistry.presets.aggressive.openDuration)
      const breaker = yield* CircuitBreaker.make(resolved.right.options)
      yield* failTimes(breaker, 2)
      const base = (BreakerRegistry.presets.aggressive.openDuration as { base: Duration.DurationInput }).base
      assert.strictEqual((yield* breaker.stats).retryAfterMs, Duration.toMillis(base))
      const bad = BreakerRegistry.resolveOptions("solo", { policy: { _tag: "ConsecutiveFailures", threshold: 0 } })
      assert.isTrue(Either.isLeft(bad) && bad.left.setting === "breakers[\"solo\"].policy.threshold")
    }))
})

describe("breakers made by the registry", () => {
  it.effect("behave as their settings say, on the TestClock: trips at 3, backs off exponentially", () =>
    Effect.gen(function*() {
      const registry = yield* BreakerRegistry.make({
        breakers: {
          openai: {
            preset: "aggressive",
            policy: CF(3),
            openDuration: { _tag: "Exponential", base: "60 seconds", factor: 2 },
            maxOpenDuration: "10 minutes",
            halfOpen: { successesToClose: 1 }
          }
        }
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
      const layer = BreakerRegistry.layer({ breakers: { openai: { policy: CF(1) } } }).pipe(
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
        Effect.withConfigProvider(env({ BREAKERS: "x", BREAKER_X_MAX_OPEN_DURATION: "soon" })),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        assert.strictEqual(exit.cause.error._tag, "RegistryConfigError")
        if (exit.cause.error._tag === "RegistryConfigError") assert.strictEqual(exit.cause.error.setting, "BREAKER_X_MAX_OPEN_DURATION")
      } else assert.fail("expected a typed failure")
    }))
})
