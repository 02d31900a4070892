/**
 * Writes schema/scenario.schema.json from the scenario Schema:
 *
 *   npm run scenarios:schema
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { scenarioJsonSchema } from "../src/cli/sim/scenarioSchema.js"

const file = path.join(import.meta.dirname, "..", "schema", "scenario.schema.json")
fs.writeFileSync(file, scenarioJsonSchema())
process.stdout.write(`wrote ${file}\n`)
