/**
 * Optional peer dependencies, loaded when a layer that needs them is built, so
 * a missing one fails with `MissingPeerError` naming the package and the
 * `npm install` line instead of Node's raw "Cannot find package". Subpaths
 * that load their peers this way import them only as types at the top level.
 * `effect-breaker/ai`, whose API is `@effect/ai`'s types and classes, imports
 * `@effect/ai` statically; its entry point (`src/ai/entry.ts`) loads the
 * subpath with a dynamic `import()` and throws `MissingPeerError` at import.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * The version ranges of the optional peers (the `peerDependencies` of
 * package.json; a test checks they agree).
 *
 * @internal
 */
export const peerRanges: Readonly<Record<string, string>> = {
  "@effect/ai": "^0.37.0",
  "@effect/ai-anthropic": "^0.27.0",
  "@effect/ai-openai": "^0.41.0",
  "@effect/opentelemetry": "^0.64.1",
  "@opentelemetry/exporter-metrics-otlp-http": "^0.223.0",
  "@opentelemetry/exporter-prometheus": "^0.223.0",
  "@opentelemetry/exporter-trace-otlp-http": "^0.223.0",
  "@opentelemetry/sdk-metrics": "^2.12.0",
  "@opentelemetry/sdk-trace-base": "^2.12.0",
  "ioredis": "^5.11.1",
  "yaml": "^2.0.0"
}

/**
 * A layer needs an optional peer dependency that is not installed. The message
 * names the subpath, the package and the command that installs it.
 *
 * @internal
 */
export class MissingPeerError extends Schema.TaggedError<MissingPeerError>()("MissingPeerError", {
  /** What needs it, e.g. `effect-breaker/otel/prometheus`. */
  subpath: Schema.String,
  /** The package to install, e.g. `@opentelemetry/exporter-prometheus`. */
  packageName: Schema.String
}) {
  override get message(): string {
    const range = peerRanges[this.packageName]
    return `${this.subpath} needs the optional peer dependency ${this.packageName}, which is not installed: ` +
      `npm install ${this.packageName}${range === undefined ? "" : `@"${range}"`}`
  }
}

const MISSING = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/

/** The package a failed `import()` could not find, if that is why it failed. @internal */
export const missingPackage = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return undefined
  return MISSING.exec(String((error as Error).message))?.[1]
}

/**
 * Loads an optional peer (`load` is `() => import("pkg")`, written out so
 * bundlers see the specifier). A missing package (the peer itself or one it
 * needs) fails with `MissingPeerError` naming it; any other failure is a defect.
 *
 * @internal
 */
export const importPeer = <A>(subpath: string, load: () => Promise<A>): Effect.Effect<A, MissingPeerError> =>
  Effect.tryPromise({ try: load, catch: (e) => e }).pipe(
    Effect.catchAll((e) => {
      const packageName = missingPackage(e)
      return packageName === undefined ? Effect.die(e) : Effect.fail(new MissingPeerError({ subpath, packageName }))
    })
  )

/**
 * What to throw when importing `subpath` failed with `error`: a
 * `MissingPeerError` when the missing package is one of `peers`; otherwise
 * `error` itself (a missing file, another missing package, a module that threw:
 * a real error, not a missing peer).
 *
 * @internal
 */
export const missingPeerOr = (subpath: string, peers: ReadonlyArray<string>, error: unknown): unknown => {
  const packageName = missingPackage(error)
  return packageName !== undefined && peers.includes(packageName) ? new MissingPeerError({ subpath, packageName }) : error
}
