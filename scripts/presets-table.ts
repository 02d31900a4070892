/**
 * Rewrites the README's preset table from the simulator's output:
 *
 *   npm run presets:table
 *
 * `test/cli/sim/presetTable.test.ts` fails when the README is stale.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { markdown, reports, rewrite } from "../src/cli/sim/presetTable.js"

const file = path.join(import.meta.dirname, "..", "README.md")
const before = fs.readFileSync(file, "utf8")
const after = rewrite(before, markdown(reports()))
if (after !== before) fs.writeFileSync(file, after)
process.stdout.write(after === before ? "README.md preset table is current\n" : "README.md preset table rewritten\n")
