/**
 * The scenarios shipped with the package (`scenarios/*.json` at the package
 * root), reachable by name: `effect-breaker simulate hard-outage`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { SimInputError } from "./SimError.js"

/**
 * The folder of shipped scenarios. This file is `src/cli/sim/scenarios.ts` in a
 * clone and `dist/cli/sim/scenarios.js` in the package: both three levels below the root.
 *
 * @internal
 */
export const directory: string = fileURLToPath(new URL("../../../scenarios/", import.meta.url))

/** The names of the shipped scenarios, sorted. @internal */
export const names = (): ReadonlyArray<string> => {
  try {
    return fs.readdirSync(directory).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort()
  } catch {
    return []
  }
}

/**
 * A scenario argument as a file: an existing path as is, else a shipped
 * scenario of that name. Fails naming the argument and the shipped names.
 *
 * @internal
 */
export const resolveScenario = (scenario: string): Effect.Effect<string, SimInputError> =>
  Effect.suspend(() => {
    if (fs.existsSync(scenario)) return Effect.succeed(scenario)
    const shipped = names()
    if (shipped.includes(scenario)) return Effect.succeed(`${directory}${scenario}.json`)
    return Effect.fail(
      new SimInputError({
        source: "arguments",
        issues: [{
          path: "",
          message: `<scenario>: expected a scenario file or one of the shipped scenarios (${shipped.join(", ")}), got ${
            JSON.stringify(scenario)
          }`
        }]
      })
    )
  })
