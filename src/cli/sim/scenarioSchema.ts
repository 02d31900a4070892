/**
 * The scenario file's JSON Schema, generated from its `effect/Schema` (one
 * description; editors get completion and checks from it). Written to
 * `schema/scenario.schema.json` by `npm run scenarios:schema`; a test fails
 * when that file is stale.
 *
 * @internal
 */
import * as JSONSchema from "effect/JSONSchema"
import { ScenarioFileSchema } from "./Scenario.js"

/** The JSON Schema text. @internal */
export const scenarioJsonSchema = (): string =>
  `${
    JSON.stringify(
      {
        ...JSONSchema.make(ScenarioFileSchema),
        title: "effect-breaker simulator scenario",
        description: "Traffic, a provider's normal behaviour, and windows in which it misbehaves. See docs/scenarios.md."
      },
      null,
      2
    )
  }\n`
