import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { flags, toOptions } from "../../../src/cli/drill/command.js"
import { defaults } from "../../../src/cli/drill/options.js"
import { parseDuration } from "../../../src/cli/flags.js"
import { parse } from "../parse.js"

const run = async (argv: ReadonlyArray<string>) => {
  const parsed = await parse(flags, argv)
  if (Either.isLeft(parsed)) throw new Error(parsed.left)
  const options = toOptions(parsed.right)
  if (Either.isLeft(options)) throw new Error(options.left.message)
  return options.right
}

/** What `effect-breaker drill` prints for a bad command line. */
const error = async (argv: ReadonlyArray<string>) => {
  const parsed = await parse(flags, argv)
  if (Either.isLeft(parsed)) return parsed.left
  const options = toOptions(parsed.right)
  if (Either.isRight(options)) throw new Error(`expected a bad flag: ${argv.join(" ")}`)
  return options.left.message
}

describe("drill flags (@effect/cli)", () => {
  it("no flags: the defaults (both variants, hang, 6 s outage)", async () => {
    expect(await run([])).toEqual(defaults)
    expect(defaults.variants).toEqual(["breaker", "no-breaker"])
  })

  it("durations in ms, s and m; --flag value and --flag=value", async () => {
    const o = await run(["--outage", "1.5s", "--open=250ms", "--recovery", "1m", "--rps=12.5", "--mode", "503"])
    expect(o).toMatchObject({ outageMs: 1500, openMs: 250, recoveryMs: 60_000, rps: 12.5, mode: "503" })
    expect(Either.getOrThrow(parseDuration("--x", "200ms"))).toBe(200)
  })

  it("--quick sets short timings; explicit flags win over it in any order", async () => {
    expect(await run(["--quick"])).toMatchObject({ healthyMs: 1000, outageMs: 2000, recoveryMs: 2000 })
    expect((await run(["--outage", "3s", "--quick"])).outageMs).toBe(3000)
  })

  it("switches choose the variants and metrics", async () => {
    expect((await run(["--no-breaker"])).variants).toEqual(["no-breaker"])
    expect(await run(["--breaker-only", "--no-metrics"])).toMatchObject({ variants: ["breaker"], prometheus: false })
    expect(await error(["--breaker-only", "--no-breaker"])).toContain("--no-breaker")
  })

  it("--hedge: a delay (0 hedges at once) or off; 100 ms by default", async () => {
    expect(defaults.hedgeMs).toBe(100)
    expect((await run(["--hedge", "150ms"])).hedgeMs).toBe(150)
    expect((await run(["--hedge=0ms"])).hedgeMs).toBe(0)
    expect((await run(["--hedge", "off"])).hedgeMs).toBeNull()
    expect(await error(["--hedge", "soon"])).toContain("off, or a duration")
  })

  it.each([
    [["--rps", "abc"], "--rps", "\"abc\""],
    [["--rps", "0"], "--rps", "\"0\""],
    [["--outage", "6"], "--outage", "\"6\""],
    [["--outage=-1s"], "--outage", "\"-1s\""],
    [["--mode", "flaky"], "--mode", "\"flaky\""],
    [["--threshold", "2.5"], "--threshold", "\"2.5\""],
    [["--retries", "11"], "--retries", "\"11\""],
    [["--noise", "0.9"], "--noise", "\"0.9\""],
    [["--hedge", "-5ms"], "--hedge", "\"-5ms\""],
    [["--json", "--svg"], "--json", "\"--svg\""]
  ] as const)("%j → an error naming %s and the value %s", async (argv, flag, value) => {
    const message = await error(argv)
    expect(message).toContain(`Invalid option "${flag}"`)
    expect(message).toContain(`got ${value}`)
  })

  it.each([
    [["--rps"], "--rps"],
    [["--frobnicate"], "--frobnicate"],
    [["stray"], "stray"]
  ] as const)("%j → @effect/cli names %s", async (argv, named) => {
    expect(await error(argv)).toContain(named)
  })
})
