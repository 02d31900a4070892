#!/usr/bin/env node
/**
 * The `effect-breaker` executable (`bin` in package.json): `npx effect-breaker --help`.
 *
 * `@effect/cli` colours its help and errors with ANSI codes; they are removed
 * when the output is not a terminal (a pipe, a file, CI) or `NO_COLOR` is set.
 *
 * @internal
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { run } from "./app.js"

const ANSI = /\x1b\[[0-9;]*m/g
const plain = process.env.NO_COLOR !== undefined || process.stdout.isTTY !== true

const program = run(process.argv).pipe(Effect.provide(NodeContext.layer))

const withoutColour = Effect.flatMap(Effect.console, (console) => {
  const strip = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? a.replace(ANSI, "") : a))
  const quiet: Console.Console = {
    ...console,
    log: (...args) => console.log(...strip(args)),
    error: (...args) => console.error(...strip(args)),
    info: (...args) => console.info(...strip(args)),
    warn: (...args) => console.warn(...strip(args))
  }
  return Effect.withConsole(program, quiet)
})

NodeRuntime.runMain(plain ? withoutColour : program, { disableErrorReporting: true })
