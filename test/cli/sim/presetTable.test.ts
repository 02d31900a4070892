/**
 * The README's preset table is the simulator's output: regenerating it gives
 * the README's text (run `npm run presets:table` after changing a preset or a
 * scenario), and every preset meets the targets it is tuned to.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { BEGIN, END, markdown, reports, targets } from "../../../src/cli/sim/presetTable.js"

describe("the preset table", () => {
  const all = reports()

  it("in README.md is current", () => {
    const readme = fs.readFileSync(path.join(import.meta.dirname, "../../../README.md"), "utf8")
    const section = readme.slice(readme.indexOf(BEGIN) + BEGIN.length, readme.indexOf(END)).trim()
    expect(section).toBe(markdown(all))
  }, 60_000)

  it("every preset meets its targets on the shipped scenarios", () => {
    for (const preset of Object.keys(all)) {
      for (const t of targets) expect([preset, t.label, t.check(preset, all[preset]!)]).not.toContainEqual(false)
    }
  })
})
