/**
 * Compare circuit-breaker settings on a simulated scenario.
 *
 *   npm run simulate -- scenarios/hard-outage.json --config default,aggressive --out sim-out
 *
 * Exit codes: 0 done, 2 bad input (the message names the file, field and value), 1 I/O failure.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Cause from "effect/Cause"
import { main, usage } from "../src/sim/cli.js"

const tty = process.stderr.isTTY === true
let lastDraw = 0
const progress = tty
  ? (config: string, fraction: number) => {
    const now = Date.now()
    if (fraction < 1 && now - lastDraw < 100) return
    lastDraw = now
    const width = 30
    const done = Math.round(fraction * width)
    process.stderr.write(`\r${config.padEnd(14).slice(0, 14)} [${"#".repeat(done)}${".".repeat(width - done)}] ${(fraction * 100).toFixed(0).padStart(3)}%`)
    if (fraction >= 1) process.stderr.write("\r\x1b[K")
  }
  : undefined

const started = performance.now()
const exit = await Effect.runPromiseExit(main(process.argv.slice(2), progress))
if (Exit.isSuccess(exit)) {
  process.stdout.write(exit.value)
  if (tty) process.stderr.write(`done in ${((performance.now() - started) / 1000).toFixed(2)} s\n`)
} else {
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") {
    process.stderr.write(`simulate: ${failure.value.message}\n`)
    if (failure.value._tag === "SimInputError" && failure.value.source === "arguments") process.stderr.write(`\n${usage}`)
    process.exitCode = failure.value._tag === "SimInputError" ? 2 : 1
  } else {
    process.stderr.write(`simulate: unexpected failure\n${Cause.pretty(exit.cause)}\n`)
    process.exitCode = 1
  }
}
