import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { reportErrors } from "../../src/cli/app.js"
import { InvalidOptionError } from "../../src/internal/errors.js"

const captured = (self: Effect.Effect<void, unknown>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const console = yield* Effect.console
    const exit = yield* Effect.exit(
      Effect.withConsole(reportErrors(self), { ...console, error: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.join(" "))) })
    )
    return { exit, stderr: lines.join("\n"), code: process.exitCode }
  })

describe("the command line's exit: every error is said on stderr", () => {
  afterEach(() => {
    process.exitCode = undefined
  })

  it.effect("a defect is printed (runMain's own reporting is off) with exit code 1, URL credentials masked", () =>
    Effect.gen(function*() {
      const r = yield* captured(Effect.die(new Error("boom while talking to redis://:hunter2@cache.internal:6379")))
      assert.isTrue(Exit.isSuccess(r.exit))
      assert.strictEqual(r.code, 1)
      assert.include(r.stderr, "unexpected error")
      assert.include(r.stderr, "boom while talking to redis://<redacted>@cache.internal:6379")
      assert.notInclude(r.stderr, "hunter2")
    }))

  it.effect("a failure: its message, exit code 2 for the user's input and 1 otherwise", () =>
    Effect.gen(function*() {
      const usage = yield* captured(Effect.fail(new InvalidOptionError({ option: "--rps", value: "0", expected: "a positive number" })))
      assert.strictEqual(usage.code, 2)
      assert.include(usage.stderr, "--rps")
      const other = yield* captured(Effect.fail({ _tag: "IoError", message: "cannot write x" }))
      assert.strictEqual(other.code, 1)
      assert.include(other.stderr, "cannot write x")
    }))

  it.effect("a failure's message has URL credentials and key shapes masked too (defects had it, failures did not)", () =>
    Effect.gen(function*() {
      const r = yield* captured(Effect.fail({
        _tag: "CircuitStoreError",
        message: "cannot reach rediss://admin:hunter2@cache.internal:6380/0?password=hunter3 with sk-proj-Abc0123456789defGHIjkl012345"
      }))
      assert.strictEqual(r.code, 1)
      assert.include(r.stderr, "cache.internal:6380")
      for (const leak of ["hunter2", "hunter3", "sk-proj-Abc0123456789"]) assert.notInclude(r.stderr, leak)
    }))

  it.effect("an interruption (Ctrl-C) is left to runMain: no message, not turned into a success", () =>
    Effect.gen(function*() {
      const r = yield* captured(Effect.interrupt)
      assert.isTrue(Exit.isFailure(r.exit))
      assert.strictEqual(r.stderr, "")
    }))
})
