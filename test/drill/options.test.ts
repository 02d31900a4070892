import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { defaults, parseDuration, parseFlags } from "../../src/drill/options.js"

const run = (argv: ReadonlyArray<string>) => {
  const parsed = parseFlags(argv)
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  if (parsed.right._tag !== "Run") throw new Error("expected options")
  return parsed.right.options
}

const error = (argv: ReadonlyArray<string>) => {
  const parsed = parseFlags(argv)
  if (Either.isRight(parsed)) throw new Error(`expected a bad flag: ${argv.join(" ")}`)
  return parsed.left
}

describe("drill flags", () => {
  it("no flags: the defaults (both variants, hang, 6 s outage)", () => {
    expect(run([])).toEqual(defaults)
    expect(defaults.variants).toEqual(["breaker", "no-breaker"])
  })

  it("durations in ms, s and m; --flag value and --flag=value", () => {
    const o = run(["--outage", "1.5s", "--open=250ms", "--recovery", "1m", "--rps=12.5", "--mode", "503"])
    expect(o).toMatchObject({ outageMs: 1500, openMs: 250, recoveryMs: 60_000, rps: 12.5, mode: "503" })
    expect(Either.getOrThrow(parseDuration("--x", "200ms"))).toBe(200)
  })

  it("--quick sets short timings; explicit flags win over it in any order", () => {
    expect(run(["--quick"])).toMatchObject({ healthyMs: 1000, outageMs: 2000, recoveryMs: 2000 })
    expect(run(["--outage", "3s", "--quick"]).outageMs).toBe(3000)
  })

  it("switches choose the variants and metrics", () => {
    expect(run(["--no-breaker"]).variants).toEqual(["no-breaker"])
    expect(run(["--breaker-only", "--no-metrics"])).toMatchObject({ variants: ["breaker"], prometheus: false })
    expect(error(["--breaker-only", "--no-breaker"]).option).toBe("--no-breaker")
  })

  it("--hedge: a delay (0 hedges at once) or off; 100 ms by default", () => {
    expect(defaults.hedgeMs).toBe(100)
    expect(run(["--hedge", "150ms"]).hedgeMs).toBe(150)
    expect(run(["--hedge=0ms"]).hedgeMs).toBe(0)
    expect(run(["--hedge", "off"]).hedgeMs).toBeNull()
    expect(error(["--hedge", "soon"]).expected).toContain("off, or a duration")
  })

  it("--help", () => {
    expect(Either.getOrThrow(parseFlags(["--rps", "3", "--help"]))._tag).toBe("Help")
  })

  it.each([
    [["--rps", "abc"], "--rps", "\"abc\""],
    [["--rps", "0"], "--rps", "\"0\""],
    [["--rps"], "--rps", "nothing"],
    [["--outage", "6"], "--outage", "\"6\""],
    [["--outage=-1s"], "--outage", "\"-1s\""],
    [["--mode", "flaky"], "--mode", "\"flaky\""],
    [["--threshold", "2.5"], "--threshold", "\"2.5\""],
    [["--retries", "11"], "--retries", "\"11\""],
    [["--noise", "0.9"], "--noise", "\"0.9\""],
    [["--hedge", "-5ms"], "--hedge", "\"-5ms\""],
    [["--hedge"], "--hedge", "nothing"],
    [["--json", "--svg"], "--json", "\"--svg\""],
    [["--quick=yes"], "--quick", "\"yes\""],
    [["--frobnicate"], "--frobnicate", "\"--frobnicate\""],
    [["stray"], "argument", "\"stray\""]
  ] as const)("%j → InvalidOptionError naming %s", (argv, flag, value) => {
    const e = error(argv)
    expect(e._tag).toBe("InvalidOptionError")
    expect(e.option).toBe(flag)
    expect(e.value).toBe(value)
    expect(e.message).toContain(flag)
  })
})
