/**
 * The package's own manifest, and loading a part of the command line that
 * needs optional peer dependencies: a missing peer fails with a message naming
 * the package and the `npm install` line, instead of a raw "Cannot find package".
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"

/** `package.json` (`src/cli/peers.ts` and `dist/cli/peers.js` are both two levels below the root). @internal */
export const manifest: {
  readonly version?: string
  readonly peerDependencies?: Readonly<Record<string, string>>
} = (() => {
  try {
    return JSON.parse(fs.readFileSync(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8"))
  } catch {
    return {}
  }
})()

/** A command needs a package that is not installed. @internal */
export class MissingPeerError extends Data.TaggedError("MissingPeerError")<{
  readonly command: string
  readonly packageName: string
}> {
  override get message(): string {
    const range = manifest.peerDependencies?.[this.packageName]
    const spec = range === undefined ? this.packageName : `${this.packageName}@"${range}"`
    return `${this.command} needs the package ${this.packageName}, which is not installed: npm install ${spec}`
  }
}

const MISSING = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/

/**
 * Imports a module lazily; a missing package becomes `MissingPeerError`
 * naming it. Any other failure is a defect.
 *
 * @internal
 */
export const importOptional = <A>(command: string, load: () => Promise<A>): Effect.Effect<A, MissingPeerError> =>
  Effect.tryPromise({
    try: load,
    catch: (e) => e
  }).pipe(
    Effect.catchAll((e) => {
      const match = (e as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND" ? MISSING.exec(String((e as Error).message)) : null
      return match === null ? Effect.die(e) : Effect.fail(new MissingPeerError({ command, packageName: match[1]! }))
    })
  )
