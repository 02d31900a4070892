/**
 * Writes the drill's JSON report and SVG timeline (all or nothing, like every
 * command's output: `../report/files.ts`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Path from "node:path"
import { type IoError, writeAllAtomic } from "../report/files.js"
import type { DrillReport } from "./report.js"
import { renderSvg } from "./svg.js"

/**
 * Writes `report` as JSON to `options.jsonPath` and as SVG to
 * `options.svgPath` (creating folders), and returns the absolute paths.
 * Fails with `IoError` naming the path when one cannot be written.
 *
 * @since 0.1.0
 * @category constructors
 */
export const writeReports = (report: DrillReport): Effect.Effect<{ readonly json: string; readonly svg: string }, IoError> => {
  const json = Path.resolve(report.options.jsonPath)
  const svg = Path.resolve(report.options.svgPath)
  return Effect.as(writeAllAtomic([[json, JSON.stringify(report, null, 2) + "\n"], [svg, renderSvg(report)]]), { json, svg })
}
