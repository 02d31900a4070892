/**
 * The OpenTelemetry pieces the `effect-breaker/otel*` subpaths share, loaded
 * when a layer is built (see `internal/peer.ts`): `@effect/opentelemetry`'s
 * tracer, metrics and resource layers, and a tracer provider over a span processor.
 *
 * @internal
 */
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { importPeer, type MissingPeerError } from "../peer.js"
import { makeScrubber, scrubShapes } from "../secrets.js"
import { redactingProcessor } from "./redact.js"

/** `@effect/opentelemetry`'s modules. @internal */
export const loadEffectOtel = (subpath: string) =>
  Effect.all({
    Metrics: importPeer(subpath, () => import("@effect/opentelemetry/Metrics")),
    Resource: importPeer(subpath, () => import("@effect/opentelemetry/Resource")),
    Tracer: importPeer(subpath, () => import("@effect/opentelemetry/Tracer"))
  })

/** @internal */
export type EffectOtel = Effect.Effect.Success<ReturnType<typeof loadEffectOtel>>

/**
 * The Effect tracer over a `BasicTracerProvider` with `processor`, flushed and
 * shut down when the layer is released. Needs the resource layer. Ended spans
 * reach `processor` scrubbed (see `redact.ts`) of key shapes and `secrets`.
 *
 * @internal
 */
export const tracerLayer = (
  subpath: string,
  otel: EffectOtel,
  processor: SpanProcessor,
  secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
): Layer.Layer<never, MissingPeerError, import("@effect/opentelemetry/Resource").Resource> =>
  Layer.unwrapEffect(
    Effect.map(importPeer(subpath, () => import("@opentelemetry/sdk-trace-base")), ({ BasicTracerProvider }) =>
      otel.Tracer.layer.pipe(
        Layer.provide(Layer.scoped(
          otel.Tracer.OtelTracerProvider,
          Effect.flatMap(otel.Resource.Resource, (resource) =>
            Effect.acquireRelease(
              Effect.sync(() =>
                new BasicTracerProvider({
                  resource,
                  // every span (ours, @effect/ai's, the caller's) is scrubbed before any exporter sees it
                  spanProcessors: [redactingProcessor(processor, secrets === undefined ? scrubShapes : makeScrubber(secrets))]
                })
              ),
              (provider) =>
                Effect.promise(() => provider.forceFlush().then(() => provider.shutdown())).pipe(
                  Effect.ignoreLogged,
                  Effect.interruptible,
                  Effect.timeoutOption(3000)
                )
            ))
        ))
      ))
  )
