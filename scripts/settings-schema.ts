/**
 * Writes `schema/settings.schema.json`: the JSON Schema of a breaker settings
 * file, generated from `BreakerRegistry.SettingsFileSchema`, for editors
 * (`"$schema": "./node_modules/effect-breaker/schema/settings.schema.json"`).
 * `test/registry/settings-schema.test.ts` fails when the file is out of date.
 *
 *   npm run schema
 */
import { writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { BreakerRegistry } from "effect-breaker"

/** The file's text. */
export const render = (): string => `${JSON.stringify(BreakerRegistry.jsonSchema(), null, 2)}\n`

export const target = join(dirname(fileURLToPath(import.meta.url)), "..", "schema", "settings.schema.json")

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(target, render())
  console.log(`wrote ${target}`)
}
