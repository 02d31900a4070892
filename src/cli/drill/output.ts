/**
 * Writes the drill's JSON report and SVG timeline (all or nothing, like every
 * command's output: `../report/files.ts`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Path from "node:path"
import { redactUrl } from "../../internal/secrets.js"
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
  return Effect.as(writeAllAtomic([[json, reportJson(report)], [svg, renderSvg(report)]]), { json, svg })
}

/**
 * The JSON report: the options as given, but a `--redis-url`'s password (and
 * any credential query parameter) `<redacted>`, as everywhere the CLI prints one.
 *
 * @internal
 */
export const reportJson = (report: DrillReport): string => {
  const url = report.options.redisUrl
  const shown = url === null ? report : { ...report, options: { ...report.options, redisUrl: redactUrl(url) } }
  return JSON.stringify(shown, null, 2) + "\n"
}
