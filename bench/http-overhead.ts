/**
 * Per-request cost of choosing a request's breaker (byHost + the bounded map):
 * the only work HttpBreakers.protect adds besides the breaker itself.
 * Run: `npx tsc -p tsconfig.bench.json && node .bench/bench/http-overhead.js` (a script, not a test).
 */
import { HttpClientRequest } from "@effect/platform"
import { Effect } from "effect"
import { byHost, HttpBreakers } from "../src/http/index.js"

const main = async () => {
  const breakers = await Effect.runPromise(HttpBreakers.make())
  const requests = Array.from({ length: 8 }, (_, i) => HttpClientRequest.get(`https://host${i}.example.com/v1/x?y=1`))
  const M = 2_000_000
  const cases: ReadonlyArray<readonly [string, (i: number) => HttpClientRequest.HttpClientRequest]> = [
    ["same host every time", () => requests[0]!],
    ["8 hosts, round robin", (i) => requests[i & 7]!]
  ]
  for (let round = 0; round < 2; round++) {
    for (const [label, pick] of cases) {
      const t0 = performance.now()
      let total = 0
      for (let i = 0; i < M; i++) total += breakers.unsafeFor(byHost(pick(i))).name.length
      const ns = ((performance.now() - t0) * 1e6) / M
      if (round === 1) console.log(`key + breaker lookup (${label}): ${ns.toFixed(0)} ns/request (checksum ${total})`)
    }
  }
}
main()
