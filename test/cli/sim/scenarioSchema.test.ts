import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Scenario from "../../../src/cli/sim/Scenario.js"
import { scenarioJsonSchema } from "../../../src/cli/sim/scenarioSchema.js"

const root = path.join(import.meta.dirname, "../../..")

describe("the scenario JSON Schema", () => {
  it("schema/scenario.schema.json is generated from the Schema (npm run scenarios:schema)", () => {
    expect(fs.readFileSync(path.join(root, "schema/scenario.schema.json"), "utf8")).toBe(scenarioJsonSchema())
  })

  it("describes the work-relative fields, and a file may name it in $schema", () => {
    const schema = JSON.parse(scenarioJsonSchema())
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["$schema", "traffic", "caller", "provider", "outages"]))
    expect(Object.keys(schema.properties.provider.properties)).toEqual(expect.arrayContaining(["outputTokens", "slow"]))
    const text = fs.readFileSync(path.join(root, "scenarios/brownout.json"), "utf8")
    const withSchema = JSON.stringify({ $schema: "../schema/scenario.schema.json", ...JSON.parse(text) })
    expect(Either.isRight(Scenario.parse("brownout", withSchema))).toBe(true)
  })
})
