/**
 * The drill engine: starts the fake providers, drives steady traffic through
 * real `@effect/ai` clients and the policy, plays the outage script, prints the
 * live view, and summarises each run.
 *
 * @since 0.1.0
 */
import * as LanguageModel from "@effect/ai/LanguageModel"
import * as AnthropicClient from "@effect/ai-anthropic/AnthropicClient"
import * as AnthropicLanguageModel from "@effect/ai-anthropic/AnthropicLanguageModel"
import * as OpenAiClient from "@effect/ai-openai/OpenAiClient"
import * as OpenAiLanguageModel from "@effect/ai-openai/OpenAiLanguageModel"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { monitorEventLoopDelay } from "node:perf_hooks"
import * as ContextModule from "effect/Context"
import { CircuitBreaker, type InvalidOptionError } from "../../index.js"
import { FakeProvider } from "../../testing/index.js"
import { importOptional, MissingPeerError } from "../peers.js"
import { formatLine } from "./live.js"
import type { DrillOptions, Variant } from "./options.js"
import { makePolicy, type Provider } from "./policy.js"
import { Recorder, type RequestRecord } from "./recorder.js"
import { type DrillReport, intervalOf, type RunReport, summarize } from "./report.js"
import { downTag, healthy, play } from "./script.js"
import { targetsOf } from "./targets.js"

/**
 * Where the drill writes its live view.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hooks {
  readonly print: (line: string) => Effect.Effect<void>
  /** Colour the states (a terminal); plain text otherwise. */
  readonly color: boolean
}

// A placeholder key: the fake only checks that one is sent. It must never appear in any output.
const API_KEY = Redacted.make("sk-drill-0000000000000000")
const PROVIDERS = ["openai", "anthropic"] as const
const PROMPTS = 10

const tagOf = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : Cause.isDie(cause) ? "Defect" : "Error"
}

/** The caller request an attempt is made for (inherited by the hedge's fibers). */
const currentRequest = FiberRef.unsafeMake<RequestRecord | undefined>(undefined)

const generate = (
  name: string,
  recorder: Recorder,
  model: Context.Context<LanguageModel.LanguageModel>
): Provider["call"] =>
(prompt) =>
  FiberRef.get(currentRequest).pipe(
    Effect.flatMap((request) => {
      recorder.attempt(name, request)
      return LanguageModel.generateText({ prompt })
    }),
    Effect.map((response) => response.text),
    Effect.provide(model)
  )

/**
 * Runs the script once with one variant of the policy and summarises it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const runOnce = (
  options: DrillOptions,
  variant: Variant,
  hooks: Hooks
): Effect.Effect<RunReport, InvalidOptionError | MissingPeerError> =>
  Effect.scoped(Effect.gen(function*() {
    const label = variant === "breaker" ? "with breaker" : "no breaker"
    yield* hooks.print(
      `\n▶ ${variant === "breaker" ? "with the breaker" : "without the breaker (same policy, breakers disabled)"}: ` +
        `${options.healthyMs / 1000}s healthy → openai ${options.mode === "hang" ? "hangs" : "answers 503"} for ${options.outageMs / 1000}s → ` +
        `recovered for ${options.recoveryMs / 1000}s` +
        (options.hedgeMs === null ? ", no hedge" : `, hedge after ${options.hedgeMs} ms`)
    )
    const openai = yield* FakeProvider.make({ flavor: "openai", behavior: healthy("openai", options.noise, 3), logLimit: 10 })
    const anthropic = yield* FakeProvider.make({ flavor: "anthropic", behavior: healthy("anthropic", options.noise, 5), logLimit: 10 })
    const http = Layer.succeedContext(yield* Layer.build(NodeHttpClient.layerUndici))
    const openaiModel = yield* Layer.build(
      OpenAiLanguageModel.layer({ model: "gpt-4o-mini" }).pipe(
        Layer.provide(OpenAiClient.layer({ apiKey: API_KEY, apiUrl: openai.url })),
        Layer.provide(http)
      )
    )
    const anthropicModel = yield* Layer.build(
      AnthropicLanguageModel.layer({ model: "claude-3-5-haiku-latest" }).pipe(
        Layer.provide(AnthropicClient.layer({ apiKey: API_KEY, apiUrl: anthropic.url })),
        Layer.provide(http)
      )
    )

    // Warm up both clients (connections, JIT, response decoders) outside the measurement:
    // the drill measures the policy, not a cold start.
    const warmup = new Recorder(yield* Effect.clock)
    for (const [name, model] of [["openai", openaiModel], ["anthropic", anthropicModel]] as const) {
      yield* Effect.forEach([0, 1, 2], () => Effect.ignore(generate(name, warmup, model)("warm up")), { concurrency: 3 })
    }
    yield* openai.setBehavior(healthy("openai", options.noise, 3))
    yield* anthropic.setBehavior(healthy("anthropic", options.noise, 5))

    const recorder = new Recorder(yield* Effect.clock)
    // The machine's own stalls (GC, other processes) show up in every latency: measure them to tell them apart.
    const loop = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const h = monitorEventLoopDelay({ resolution: 10 })
        h.enable()
        return h
      }),
      (h) => Effect.sync(() => h.disable())
    )
    // ...and, per request, the stalls inside its own window (a request lives through many of them).
    yield* Effect.acquireRelease(Effect.sync(() => recorder.stalls.start()), () => Effect.sync(() => recorder.stalls.stop()))
    // With --fleet, the run with the breaker has N replicas, each with its own Redis store (its own connections and
    // mirrors), sharing one circuit per provider; the traffic is spread over them.
    const shared = variant === "breaker" && options.fleet > 0 && options.redisUrl !== null
    const prefix = `drill-${Date.now()}:`
    // (effect-breaker/redis and its peer ioredis are loaded only for a fleet run)
    const stores = !shared ? [ContextModule.empty()] : yield* Effect.flatMap(
      importOptional("drill --fleet", () => import("../../redis/index.js")),
      ({ RedisStore }) =>
        Effect.forEach(
          Array.from({ length: options.fleet }),
          () =>
            Layer.build(RedisStore.layer({ url: options.redisUrl!, prefix })).pipe(
              Effect.map((c) => c as ContextModule.Context<never>),
              Effect.catchTag("MissingPeerError", (e) => Effect.fail(new MissingPeerError({ command: "drill --fleet", packageName: e.packageName })))
            )
        )
    )
    if (shared) yield* hooks.print(`  ${options.fleet} replicas, each breaker shared through Redis (keys ${prefix}*)`)
    const policies = yield* Effect.forEach(stores, (store) => makePolicy({
      providers: [
        { name: "openai", call: generate("openai", recorder, openaiModel) },
        { name: "anthropic", call: generate("anthropic", recorder, anthropicModel) }
      ],
      breaker: variant === "breaker",
      timeoutMs: options.timeoutMs,
      threshold: options.threshold,
      openMs: options.openMs,
      permits: options.permits,
      retries: options.retries,
      retryBaseMs: options.retryBaseMs,
      hedgeMs: options.hedgeMs
    }).pipe(Effect.provide(CircuitBreaker.layerObserver(recorder.observer)), Effect.provide(store)))

    // Open-loop traffic: a request every 1/rps seconds, whatever the latency of the others.
    const requests = yield* FiberSet.make<void>()
    let n = 0
    const request = Effect.suspend(() => {
      const record = recorder.begin()
      const policy = policies[n % policies.length]!
      return Effect.matchCause(Effect.locally(policy.ask(`question ${n++ % PROMPTS}`), currentRequest, record), {
        onSuccess: (answer) => recorder.end(record, answer.servedBy, undefined, answer.hedged),
        onFailure: (cause) => recorder.end(record, "error", tagOf(cause))
      })
    })
    const traffic = yield* Effect.fork(
      Effect.repeat(FiberSet.run(requests, request), Schedule.fixed(Duration.millis(1000 / options.rps)))
    )

    let lastTick = 0
    const tick = Effect.suspend(() => {
      const now = recorder.now()
      const line = formatLine(label, now, intervalOf(recorder, PROVIDERS, lastTick, now), hooks.color)
      lastTick = now
      return hooks.print(line)
    })
    const live = yield* Effect.fork(Effect.forever(Effect.zipRight(Effect.sleep(Duration.millis(options.intervalMs)), tick)))

    yield* play(recorder, openai, options)
    yield* Fiber.interrupt(traffic)
    // Let the requests still running finish (bounded: every attempt has a timeout), then stop.
    const grace = options.timeoutMs * (options.retries + 1) * PROVIDERS.length + 1_000
    yield* Effect.timeoutOption(FiberSet.awaitEmpty(requests), Duration.millis(grace))
    yield* Fiber.interrupt(live)
    if (recorder.now() - lastTick > 1) yield* tick

    const counts = yield* openai.counts
    return summarize({
      recorder,
      options,
      variant,
      providers: PROVIDERS,
      requestsToDownProvider: counts[downTag(options.mode)] ?? 0,
      eventLoopDelay: { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 }
    })
  }))

/**
 * Runs every variant of `options` in turn (with the breaker first) and
 * collects the report.
 *
 * @since 0.1.0
 * @category constructors
 */
export const runDrill = (options: DrillOptions, hooks: Hooks): Effect.Effect<DrillReport, InvalidOptionError | MissingPeerError> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const runs: Array<RunReport> = []
    for (const variant of options.variants) runs.push(yield* runOnce(options, variant, hooks))
    return {
      version: 1,
      generatedAt: new Date(started).toISOString(),
      options,
      providers: PROVIDERS,
      runs,
      targets: ((run) => run === undefined ? [] : targetsOf(run))(runs.find((r) => r.variant === "breaker")),
      wallTimeMs: (yield* Clock.currentTimeMillis) - started
    }
  })
