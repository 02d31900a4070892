/**
 * Every public entry point checks every argument once, when it is built, with
 * the one option mechanism (the settings Schema's): a bad value is a typed
 * `InvalidOptionError` (or `RegistryConfigError`) naming the option and the
 * value, never a defect, a synchronous throw or a hang. Table-driven: each
 * entry point × each of its options × a list of bad values.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Duration, Effect, Exit, Layer, Redacted, Schedule, Scope, Stream } from "effect"
import {
  BreakerRegistry,
  BreakerTelemetry,
  CircuitBreaker,
  Fallback,
  RateLimitGate,
  Resilience,
  Retry,
  TripPolicy
} from "effect-breaker"
import * as Admin from "effect-breaker/admin"
import * as LanguageModelBreaker from "effect-breaker/ai"
import * as Http from "effect-breaker/http"
import { Policy } from "effect-breaker/llm"
import { RedisStore } from "effect-breaker/redis"
import * as Otel from "effect-breaker/otel"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { InMemoryMetricExporter, PeriodicExportingMetricReader, AggregationTemporality } from "@opentelemetry/sdk-metrics"
import { layerOtlp, layerOtlpConfig } from "../../src/otel/otlp/index.js"
import { layerPrometheus } from "../../src/otel/prometheus/index.js"

const cyclic = (() => {
  const o: Record<string, unknown> = { _tag: "Any" }
  o.policies = [o]
  return o
})()

/** Values that are wrong for (nearly) every option; `skip` drops the ones an option accepts. */
const garbage: ReadonlyArray<readonly [string, unknown]> = [
  ["null", null],
  ["-1", -1],
  ["NaN", NaN],
  ["1.5", 1.5],
  ["Infinity", Infinity],
  ["70000", 70_000],
  ["\"abc\"", "abc"],
  ["\"\"", ""],
  ["{}", {}],
  ["[]", []],
  ["[null]", [null]],
  ["a function", () => 1],
  ["a symbol", Symbol("x")],
  ["true", true],
  ["a cycle", cyclic],
  ["-5 seconds", "-5 seconds"],
  ["a bigint", -3n],
  // a Proxy that throws on every read and an object whose getter throws: a typed error, never the exception as a defect
  ["a throwing Proxy", new Proxy({}, {
    get() { throw new Error("read") },
    has() { throw new Error("has") },
    ownKeys() { throw new Error("keys") },
    getOwnPropertyDescriptor() { throw new Error("descriptor") },
    getPrototypeOf() { throw new Error("prototype") }
  })],
  ["a throwing getter", Object.defineProperty({}, "_tag", { get() { throw new Error("getter") }, enumerable: true })],
  // shown cut short in the message (it was echoed whole: a 1 MB message)
  ["a 1 MB string", "x".repeat(1_000_000)]
]

interface Case {
  readonly entry: string
  readonly option: string
  /** Builds the entry point with the bad value at `option`. */
  readonly build: (bad: unknown) => Effect.Effect<unknown, unknown, Scope.Scope>
  /** Bad values this option accepts after all (by label). */
  readonly accepts?: ReadonlyArray<string>
}

const breaker = Effect.runSync(CircuitBreaker.make({ name: "table" }))
const noop = Effect.succeed("ok")
const layerBuild = (layer: Layer.Layer<never, any, any> | Layer.Layer<any, any, any>) =>
  Effect.asVoid(Layer.build(layer as Layer.Layer<unknown, unknown, never>))

const durations = ["a function", "{}", "[]", "[null]", "null", "\"abc\"", "\"\"", "-1", "NaN", "-5 seconds", "a bigint", "a symbol", "true", "a cycle"]
/** Bad values that are strings: an option that takes any name accepts them. */
const strings = ["\"abc\"", "-5 seconds"]
const notDurations = garbage.map(([l]) => l).filter((l) => !durations.includes(l))

const cases: ReadonlyArray<Case> = [
  // CircuitBreaker.make
  ...["name", "policy", "openDuration", "maxOpenDuration", "halfOpen", "classify", "preset"].map((option): Case => ({
    entry: "CircuitBreaker.make",
    option,
    build: (bad) => CircuitBreaker.make({ name: "x", [option]: bad } as any),
    accepts: option === "openDuration" || option === "maxOpenDuration"
      ? ["70000", "1.5", ...(option === "openDuration" ? ["{}"] : [])].filter((l) => l !== "{}")
      : option === "halfOpen"
      ? ["{}"]
      : option === "classify"
      ? ["a function"]
      : option === "name"
      ? strings
      : []
  })),
  ...["permits", "successesToClose", "probeTimeout"].map((field): Case => ({
    entry: "CircuitBreaker.make",
    option: `halfOpen.${field}`,
    build: (bad) => CircuitBreaker.make({ name: "x", halfOpen: { [field]: bad } } as any),
    accepts: field === "probeTimeout" ? ["70000", "1.5"] : field === "successesToClose" ? ["70000"] : []
  })),
  {
    entry: "CircuitBreaker.make",
    option: "policy.threshold",
    build: (bad) => CircuitBreaker.make({ name: "x", policy: { _tag: "ConsecutiveFailures", threshold: bad } as any }),
    accepts: ["70000"]
  },
  // CircuitBreaker.makeStream
  {
    entry: "CircuitBreaker.makeStream",
    option: "breaker",
    build: (bad) => CircuitBreaker.makeStream(bad as any)
  },
  ...["itemError", "firstElementTimeout", "idleTimeout", "totalTimeout"].map((option): Case => ({
    entry: "CircuitBreaker.makeStream",
    option,
    build: (bad) => CircuitBreaker.makeStream(breaker, { [option]: bad } as any),
    accepts: option === "itemError" ? ["a function"] : ["70000", "1.5", "Infinity"]
  })),
  // TripPolicy.validate
  {
    entry: "TripPolicy.validate",
    option: "policy",
    build: (bad) => Effect.suspend(() => TripPolicy.validate(bad as any))
  },
  // Retry.make
  ...["times", "base", "factor", "maxDelay", "maxElapsed", "jitter", "while", "retryAfter", "maxWait", "schedule"].map((option): Case => ({
    entry: "Retry.make",
    option,
    build: (bad) => Retry.make({ [option]: bad } as any),
    accepts: ["base", "maxDelay", "maxElapsed", "maxWait"].includes(option)
      ? notDurations
      : option === "while" || option === "retryAfter"
      ? ["a function"]
      : option === "factor"
      ? ["1.5", "70000"]
      : option === "times"
      ? ["70000"]
      : option === "jitter"
      ? []
      : []
  })),
  // RateLimitGate.make and closeFor
  ...["name", "maxKeys", "onClosed", "resetAfter", "maxReset"].map((option): Case => ({
    entry: "RateLimitGate.make",
    option,
    build: (bad) => Effect.provide(RateLimitGate.make({ [option]: bad } as any), RateLimitGate.layerStoreMemory),
    accepts: option === "onClosed" || option === "resetAfter"
      ? ["a function"]
      : option === "maxReset"
      ? notDurations
      : option === "maxKeys"
      ? ["70000"]
      : option === "name"
      ? strings
      : []
  })),
  {
    entry: "RateLimitGate.closeFor",
    option: "duration",
    build: (bad) =>
      Effect.flatMap(
        Effect.provide(RateLimitGate.make(), RateLimitGate.layerStoreMemory),
        (gate) => gate.closeFor("k", bad as any)
      ),
    accepts: ["70000", "1.5", "Infinity"]
  },
  // Resilience.make / serve
  ...["breaker", "timeout", "retry", "gate"].map((option): Case => ({
    entry: "Resilience.make",
    option,
    build: (bad) => Resilience.make({ breaker, [option]: bad } as any),
    accepts: option === "timeout" ? [...notDurations] : option === "retry" ? ["{}"] : []
  })),
  ...["fallback", "when", "hedge"].map((option): Case => ({
    entry: "Fallback.serve",
    option,
    build: (bad) => noop.pipe(Fallback.serve({ fallback: [Fallback.value("v")], [option]: bad } as any)),
    accepts: option === "when" ? ["a function"] : option === "fallback" ? ["[]"] : []
  })),
  // what each alternative was made with (Fallback.value's name, Fallback.effect's name and effect, Fallback.cached's cache and key)
  ...([
    ["fallback[0].name", (bad: unknown) => Fallback.value("v", bad as any)],
    ["fallback[0].name", (bad: unknown) => Fallback.effect(bad as any, Effect.succeed("v"))],
    ["fallback[0].run", (bad: unknown) => Fallback.effect("backup", bad as any)],
    ["fallback[0].cache", (bad: unknown) => Fallback.cached(bad as any, "k")]
  ] as const).map(([option, alternative]): Case => ({
    entry: "Fallback.serve",
    option,
    build: (bad) => Effect.fail("boom").pipe(Fallback.serve({ fallback: [alternative(bad)] } as any)),
    // a function is taken as the effect's factory (what it returns is the caller's effect)
    accepts: option === "fallback[0].run" ? ["a function"] : option === "fallback[0].name" ? strings : []
  })),
  {
    entry: "Fallback.serve",
    option: "fallback[0].key",
    build: (bad) =>
      Effect.flatMap(Fallback.makeCache({ maxAge: "1 minute" }), (cache) =>
        Effect.fail("boom").pipe(Fallback.serve({ fallback: [Fallback.cached(cache, bad as any)] }))),
    accepts: strings
  },
  {
    entry: "Fallback.serve",
    option: "options",
    build: (bad) => Effect.fail("boom").pipe(Fallback.serve(bad as any))
  },
  ...["maxAge", "capacity"].map((option): Case => ({
    entry: "Fallback.makeCache",
    option: `cache.${option}`,
    build: (bad) => Fallback.makeCache({ maxAge: "1 minute", [option]: bad } as any),
    accepts: option === "maxAge" ? [...notDurations] : ["70000"]
  })),
  ...["delay", "name", "when"].map((option): Case => ({
    entry: "Fallback.makeHedge",
    option: `hedge.${option}`,
    build: (bad) => Fallback.makeHedge({ delay: "1 second", [option]: bad } as any),
    accepts: option === "delay" ? [...notDurations] : option === "when" ? ["a function"] : option === "name" ? strings : []
  })),
  // http
  ...["key", "maxKeys", "namePrefix", "breaker", "secrets"].map((option): Case => ({
    entry: "HttpBreakers.make",
    option,
    build: (bad) => Http.HttpBreakers.make({ [option]: bad } as any),
    accepts: option === "key"
      ? ["a function"]
      : option === "maxKeys"
      ? ["70000"]
      : option === "breaker"
      ? ["{}"]
      : option === "namePrefix"
      ? strings
      : option === "secrets"
      ? ["[]"]
      : []
  })),
  // ai
  {
    entry: "LanguageModelBreaker.layer",
    option: "breaker",
    build: (bad) => layerBuild(LanguageModelBreaker.LanguageModelBreaker.layer({ breaker: bad } as any)),
    accepts: []
  },
  {
    entry: "LanguageModelBreaker.wrappers",
    option: "breaker",
    build: (bad) => LanguageModelBreaker.LanguageModelBreaker.wrappers(bad as any)
  },
  ...["secrets", "redactErrors", "provider"].map((option): Case => ({
    entry: "LanguageModelBreaker.wrappers",
    option,
    build: (bad) => LanguageModelBreaker.LanguageModelBreaker.wrappers(breaker, { [option]: bad } as any),
    accepts: option === "secrets" ? ["[]"] : option === "redactErrors" ? ["true"] : strings
  })),
  {
    entry: "CircuitBreaker.layerObserver",
    option: "options",
    build: (bad) => layerBuild(CircuitBreaker.layerObserver(bad as any)),
    accepts: ["{}", "[]", "a function"]
  },
  ...["onTransition", "onCall", "onRejected"].map((option): Case => ({
    entry: "CircuitBreaker.layerObserver",
    option,
    build: (bad) => layerBuild(CircuitBreaker.layerObserver({ [option]: bad } as any)),
    accepts: ["a function"]
  })),
  {
    entry: "LanguageModelBreaker.policyWrappers",
    option: "policy",
    build: (bad) => LanguageModelBreaker.LanguageModelBreaker.policyWrappers(bad as any)
  },
  {
    entry: "LanguageModelBreaker.layerPolicy",
    option: "policy",
    build: (bad) => layerBuild(LanguageModelBreaker.LanguageModelBreaker.layerPolicy(bad as any))
  },
  ...["secrets", "redactErrors"].map((option): Case => ({
    entry: "LanguageModelBreaker.policyWrappers",
    option,
    build: (bad) =>
      Effect.flatMap(Policy.make({ provider: "openai" }), (policy) =>
        LanguageModelBreaker.LanguageModelBreaker.policyWrappers(policy as any, { [option]: bad } as any)),
    accepts: option === "secrets" ? ["[]"] : ["true"]
  })),
  {
    entry: "Retry.retry",
    option: "times",
    build: (bad) => Effect.fail("boom").pipe(Retry.retry({ times: bad } as any)),
    accepts: ["70000"]
  },
  {
    entry: "RateLimitGate.closeUntil",
    option: "epochMillis",
    build: (bad) =>
      Effect.flatMap(
        Effect.provide(RateLimitGate.make(), RateLimitGate.layerStoreMemory),
        (gate) => gate.closeUntil("k", bad as any)
      ),
    accepts: ["-1", "1.5", "70000"]
  },
  {
    entry: "BreakerRegistry.fromJson",
    option: "(root)",
    build: (bad) => BreakerRegistry.fromJson(bad),
    accepts: ["{}"]
  },
  ...(["fromFile", "fromJsonFile"] as const).map((name): Case => ({
    entry: `BreakerRegistry.${name}`,
    option: "path",
    build: (bad) => BreakerRegistry[name](bad as any),
    // a string that names no file is a RegistryConfigError naming the path itself (test/registry)
    accepts: [...strings, "a 1 MB string"]
  })),
  {
    entry: "BreakerRegistry.layerFile",
    option: "path",
    build: (bad) => layerBuild(BreakerRegistry.layerFile(bad as any)),
    accepts: [...strings, "a 1 MB string"]
  },
  {
    entry: "BreakerRegistry.fromConfig",
    option: "options",
    build: (bad) => BreakerRegistry.fromConfig(bad as any),
    // the environment is read (empty here: no breakers); {} and [] and a function are objects without a classify
    accepts: ["{}", "a throwing getter", "a cycle"]
  },
  // llm
  ...["provider", "model", "name", "breaker", "timeout", "retry", "gate", "toProviderError", "successHeaders", "operation", "secrets"].map((option): Case => ({
    entry: "Policy.make",
    option,
    build: (bad) => Policy.make({ provider: "openai", [option]: bad } as any),
    accepts: option === "timeout"
      ? [...notDurations]
      : option === "toProviderError" || option === "successHeaders"
      ? ["a function"]
      : option === "breaker" || option === "retry"
      ? ["{}"]
      : option === "gate"
      ? ["true"]
      : ["provider", "model", "name", "operation"].includes(option)
      ? strings
      : option === "secrets"
      ? ["[]"]
      : []
  })),
  // admin
  ...["port", "host", "token", "allowedHosts", "metrics", "health"].map((option): Case => ({
    entry: "Admin.layer",
    option,
    build: (bad) =>
      layerBuild(
        Admin.layer({ token: Redacted.make("a-token-of-enough-length"), port: 0, [option]: bad } as any).pipe(
          Layer.provide(BreakerRegistry.layer({ breakers: {} }))
        )
      ),
    // a host that is a syntactically good name but does not resolve fails to bind: a typed ServeError
    accepts: option === "allowedHosts" ? ["[]"] : option === "health" ? ["{}"] : option === "host" ? strings : []
  })),
  // otel
  ...["serviceName", "exportInterval", "headers", "secrets", "traces", "metrics"].map((option): Case => ({
    entry: "layerOtlp",
    option,
    build: (bad) => layerBuild(layerOtlp({ serviceName: "svc", [option]: bad } as any)),
    accepts: option === "exportInterval"
      ? ["70000", "1.5", "Infinity"].filter((l) => l !== "Infinity")
      : option === "headers"
      ? ["{}"]
      : option === "secrets"
      ? ["[]"]
      : option === "traces" || option === "metrics"
      ? ["true"]
      : option === "serviceName"
      ? strings
      : []
  })),
  // otel: your own processor or reader
  ...["processor", "serviceName", "secrets"].map((option): Case => ({
    entry: "Otel.layerTracer",
    option,
    build: (bad) => {
      const good = { processor: new SimpleSpanProcessor(new InMemorySpanExporter()), serviceName: "svc" }
      const { processor, ...options } = { ...good, [option]: bad } as any
      return layerBuild(Otel.layerTracer(processor, options))
    },
    accepts: option === "serviceName" ? strings : option === "secrets" ? ["[]"] : []
  })),
  {
    entry: "Otel.layerTracer",
    option: "options",
    build: (bad) => layerBuild(Otel.layerTracer(new SimpleSpanProcessor(new InMemorySpanExporter()), bad as any))
  },
  ...["reader", "serviceName"].map((option): Case => ({
    entry: "Otel.layerMetrics",
    option,
    build: (bad) => {
      const good = {
        reader: () => new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE) }),
        serviceName: "svc"
      }
      const { reader, ...options } = { ...good, [option]: bad } as any
      return layerBuild(Otel.layerMetrics(reader, options))
    },
    accepts: option === "serviceName" ? strings : option === "reader" ? ["a function"] : []
  })),
  // the state machine alone
  ...["name", "policy", "halfOpen"].map((option): Case => ({
    entry: "CircuitBreaker.machine",
    option,
    build: (bad) => Effect.suspend(() => CircuitBreaker.machine({ name: "m", [option]: bad } as any)),
    accepts: option === "name" ? strings : option === "halfOpen" ? ["{}"] : []
  })),
  // failover and a composed policy's call options
  {
    entry: "Fallback.failover",
    option: "steps",
    build: (bad) => Fallback.failover(bad as any),
    accepts: []
  },
  ...["timeout", "key", "fallback"].map((option): Case => ({
    entry: "Resilience.serve",
    option,
    build: (bad) =>
      Effect.flatMap(Resilience.make({ breaker, retry: false }), (policy) =>
        noop.pipe(Resilience.serve(policy, { fallback: [Fallback.value("v")], [option]: bad } as any))),
    accepts: option === "timeout" ? [...notDurations] : option === "key" ? strings : option === "fallback" ? ["[]"] : []
  })),
  {
    entry: "Resilience.protect",
    option: "options",
    build: (bad) => Effect.flatMap(Resilience.make({ breaker, retry: false }), (policy) => noop.pipe(Resilience.protect(policy, bad as any))),
    // an object without timeout or key is no override
    accepts: ["{}", "[]", "[null]", "a throwing getter", "a cycle"]
  },
  ...["timeout", "key"].map((option): Case => ({
    entry: "Resilience.protect",
    option,
    build: (bad) =>
      Effect.flatMap(Resilience.make({ breaker, retry: false }), (policy) => noop.pipe(Resilience.protect(policy, { [option]: bad } as any))),
    accepts: option === "timeout" ? [...notDurations] : strings
  })),
  // telemetry
  {
    entry: "BreakerTelemetry.layerSpans",
    option: "mode",
    build: (bad) => layerBuild(BreakerTelemetry.layerSpans({ mode: bad } as any))
  },
  ...["serviceName", "port", "host", "endpoint", "allowedHosts"].map((option): Case => ({
    entry: "layerPrometheus",
    option,
    build: (bad) => layerBuild(layerPrometheus({ serviceName: "svc", port: 0, [option]: bad } as any)),
    accepts: option === "serviceName" || option === "host" ? strings : option === "allowedHosts" ? ["[]"] : []
  })),
  // redis: the options are checked before any connection is made (an accepted value would try 127.0.0.1:1 and time out)
  ...["client", "url", "redis", "prefix", "onStoreError", "time", "flushInterval", "resyncInterval", "commandTimeout",
    "connectTimeout", "keyTtl"].map((option): Case => ({
      entry: "RedisStore.layer",
      option,
      build: (bad) =>
        layerBuild(RedisStore.layer({ url: "redis://127.0.0.1:1", connectTimeout: "50 millis", [option]: bad } as any)),
      accepts: option === "redis" ? ["{}"] : option === "prefix" ? strings : option.endsWith("Interval") ||
          option.endsWith("Timeout") || option === "keyTtl"
        ? ["70000", "1.5"]
        : []
    })),
  {
    entry: "RedisStore.layer",
    option: "redis",
    build: (bad) => layerBuild(RedisStore.layer(bad as any)),
    // RedisStore.layer() / layer({}) use the defaults
    accepts: ["{}"]
  },
  // registry
  ...["defaults", "breakers", "classify"].map((option): Case => ({
    entry: "BreakerRegistry.make",
    option,
    build: (bad) => BreakerRegistry.make({ breakers: {}, [option]: bad } as any),
    accepts: option === "classify" ? ["a function"] : ["{}"]
  }))
]

const errorOf = (exit: Exit.Exit<unknown, unknown>): unknown =>
  Exit.isFailure(exit) && Cause.isFailType(exit.cause) ? exit.cause.error : undefined

describe("every public entry point: a bad argument is a typed error naming it", () => {
  let total = 0
  for (const c of cases) {
    it.scoped(`${c.entry} ${c.option}`, () =>
      Effect.gen(function*() {
        for (const [label, bad] of garbage) {
          if (c.accepts?.includes(label)) continue
          // an options object that accepts {} ignores a getter on a key it does not know
          if (label === "a throwing getter" && c.accepts?.includes("{}")) continue
          total++
          let exit: Exit.Exit<unknown, unknown>
          try {
            exit = yield* Effect.exit(Effect.suspend(() => c.build(bad)).pipe(Effect.timeout("5 seconds")))
          } catch (e) {
            assert.fail(`${c.entry} ${c.option} = ${label}: threw synchronously: ${String(e)}`)
            return
          }
          if (Exit.isSuccess(exit)) {
            // some values are accepted on purpose; the table lists them, the rest must fail
            assert.fail(`${c.entry} ${c.option} = ${label}: accepted`)
          }
          const error = errorOf(exit) as { _tag?: string; option?: string; setting?: string; message?: string } | undefined
          assert.isDefined(error, `${c.entry} ${c.option} = ${label}: a defect or interruption: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause).slice(0, 300) : ""}`)
          assert.oneOf(error!._tag, ["InvalidOptionError", "RegistryConfigError"], `${c.entry} ${c.option} = ${label}`)
          const named = error!._tag === "InvalidOptionError" ? error!.option! : error!.setting!
          const expected = c.option === "options" ? "" : c.option === "(root)" ? "" : c.option.split(".").pop()!
          assert.include(named, expected, `${c.entry} ${c.option} = ${label}: named ${named} (${error!.message})`)
          assert.isBelow(String(error!.message).length, 2000, `${c.entry} ${c.option} = ${label}: a message of ${String(error!.message).length} characters`)
        }
      }), 60_000)
  }
  it("covers hundreds of bad values", () => {
    // counted as the cases above run (vitest runs them in order)
    assert.isAtLeast(total, 400)
  })
})

describe("BreakerRegistry.get", () => {
  it.effect("a name that is not a string (from data) is an UnknownBreakerError showing it, never a defect", () =>
    Effect.gen(function*() {
      for (const [label, bad] of garbage) {
        const exit = yield* Effect.exit(
          BreakerRegistry.get(bad as any).pipe(Effect.provide(BreakerRegistry.layer({ breakers: { a: {} } })))
        )
        const error = errorOf(exit) as { _tag?: string; message?: string } | undefined
        assert.strictEqual(error?._tag, "UnknownBreakerError", `${label}: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause).slice(0, 200) : "found"}`)
        assert.isBelow(error!.message!.length, 2000, label)
      }
    }))
})

describe("OTEL_METRIC_EXPORT_INTERVAL", () => {
  it.scoped("a bad value is a ConfigError naming the variable and the value; plain decimal only", () =>
    Effect.gen(function*() {
      for (const bad of ["0", "-5", "abc", "1.5", "1e3", "0x10", ""]) {
        const exit = yield* Effect.exit(Layer.build(layerOtlpConfig).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["OTEL_METRIC_EXPORT_INTERVAL", bad]])))
        ))
        const error = errorOf(exit)
        assert.isDefined(error, `${JSON.stringify(bad)}: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause).slice(0, 300) : "accepted"}`)
        const text = String(error)
        assert.include(text, "OTEL_METRIC_EXPORT_INTERVAL", text)
        assert.include(text, `got ${JSON.stringify(bad)}`, text)
        assert.notInclude(text, "Transformation process failure", text)
      }
    }))
})

// Schedules, Streams and Duration are imported for their types in builds above.
void Schedule
void Stream
void Duration
