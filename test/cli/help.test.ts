/**
 * `effect-breaker <command> --help` says what each flag takes: numbers,
 * integers, choices and paths are built on `@effect/cli`'s own primitives
 * ("An integer.", "One of the following: …", "A file."), not on text ("A
 * user-defined piece of text." above a number's description); and a value such
 * a primitive refuses is still reported naming the flag and the value, through
 * the command line's real entry point.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect } from "effect"
import { run } from "../../src/cli/app.js"
import { nameTheFlag } from "../../src/cli/flags.js"

/** What `effect-breaker ...argv` prints (stdout and stderr), and its exit code. */
const cli = (argv: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const console = yield* Effect.console
    yield* run(["node", "effect-breaker", ...argv]).pipe(
      Effect.withConsole({
        ...console,
        log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void out.push(args.join(" "))),
        error: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void err.push(args.join(" ")))
      }),
      Effect.provide(NodeContext.layer)
    )
    // without the help's bold and colours
    const plain = (lines: Array<string>) => lines.join("\n").replace(/\u001b\[[0-9;]*m/g, "")
    return { stdout: plain(out), stderr: plain(err), code: process.exitCode }
  })

/** The help's lines for one flag: its header, then its description up to the next flag. */
const section = (help: string, flag: string): string => {
  const lines = help.split("\n")
  const start = lines.findIndex((l) => l.startsWith(`${flag} `) || l === flag)
  assert.isAtLeast(start, 0, `${flag} in the help`)
  const end = lines.findIndex((l, i) => i > start && l.startsWith("-"))
  return lines.slice(start, end === -1 ? undefined : end).join("\n")
}

const TEXT = "A user-defined piece of text."

describe("--help: each flag says what it takes", () => {
  afterEach(() => {
    process.exitCode = undefined
  })

  it.effect("tune: integers, numbers and a file", () =>
    Effect.gen(function*() {
      const { stdout } = yield* cli(["tune", "--help"])
      for (const flag of ["--seed", "--budget", "--max-false-opens", "--max-reached", "--max-errors", "--max-missed", "--workers", "--rows"]) {
        assert.include(section(stdout, flag), "An integer.", flag)
        assert.notInclude(section(stdout, flag), TEXT, flag)
      }
      assert.include(section(stdout, "--duration"), "A floating point number.")
      assert.include(section(stdout, "--out"), "A file.")
      assert.notInclude(section(stdout, "--out"), TEXT)
    }))

  it.effect("simulate: a choice, an integer, a number, files and a directory", () =>
    Effect.gen(function*() {
      const { stdout } = yield* cli(["simulate", "--help"])
      assert.include(section(stdout, "--engine"), "One of the following: fast, pure, testclock")
      assert.include(section(stdout, "--seed"), "An integer.")
      assert.include(section(stdout, "--duration"), "A floating point number.")
      assert.include(section(stdout, "--json"), "A file.")
      assert.include(section(stdout, "--svg"), "A file.")
      assert.include(section(stdout, "--out"), "A directory.")
      for (const flag of ["--engine", "--seed", "--duration", "--json", "--svg", "--out"]) {
        assert.notInclude(section(stdout, flag), TEXT, flag)
      }
    }))

  it.effect("drill: a choice, integers, numbers and files", () =>
    Effect.gen(function*() {
      const { stdout } = yield* cli(["drill", "--help"])
      assert.include(section(stdout, "--mode"), "One of the following: hang, 503")
      for (const flag of ["--threshold", "--permits", "--retries", "--fleet"]) assert.include(section(stdout, flag), "An integer.", flag)
      for (const flag of ["--rps", "--noise"]) assert.include(section(stdout, flag), "A floating point number.", flag)
      for (const flag of ["--json", "--svg"]) assert.include(section(stdout, flag), "A file.", flag)
      for (const flag of ["--mode", "--threshold", "--permits", "--retries", "--fleet", "--rps", "--noise", "--json", "--svg"]) {
        assert.notInclude(section(stdout, flag), TEXT, flag)
      }
    }))
})

describe("a value a primitive refuses: the message names the flag and the value", () => {
  afterEach(() => {
    process.exitCode = undefined
  })

  it.effect.each([
    [["drill", "--rps", "abc"], "Invalid option \"--rps\": got \"abc\", expected a number from 0.1 to 1000"],
    [["drill", "--rps=abc"], "Invalid option \"--rps\": got \"abc\", expected a number from 0.1 to 1000"],
    [["drill", "--threshold", "2.5"], "Invalid option \"--threshold\": got \"2.5\", expected an integer from 1 to 1000"],
    [["drill", "--mode", "flaky"], "Invalid option \"--mode\": got \"flaky\", expected \"hang\" or \"503\""],
    [["drill", "--json", "src"], "Invalid option \"--json\": got \"src\", expected a file path (not a directory)"],
    [["simulate", "hard-outage", "--out", "package.json"], "Invalid option \"--out\": got \"package.json\", expected a directory path (not a file)"],
    [["simulate", "hard-outage", "--engine", "slow"], "Invalid option \"--engine\": got \"slow\", expected \"fast\" or \"pure\" or \"testclock\""],
    [["tune", "hard-outage", "--workers", "many"], "Invalid option \"--workers\": got \"many\", expected an integer from 1 to 64"]
  ] as const)("%j", ([argv, message]) =>
    Effect.gen(function*() {
      const r = yield* cli(argv)
      assert.strictEqual(r.stderr.trim(), message)
      assert.strictEqual(r.code, 2)
    }))

  it("any other message of @effect/cli is left as it is", () => {
    assert.strictEqual(nameTheFlag("Received unknown argument: '--frobnicate'", ["--frobnicate", "x"]), "Received unknown argument: '--frobnicate'")
    // a refused value on no flag of ours (nothing to name): as it is
    assert.strictEqual(nameTheFlag("'abc' is not a float", ["--unknown", "abc"]), "'abc' is not a float")
  })
})
