/**
 * Writes the drill's JSON report and SVG timeline.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { InvalidOptionError } from "../../index.js"
import type { DrillReport } from "./report.js"
import { renderSvg } from "./svg.js"

const write = (flag: string, path: string, content: string): Effect.Effect<string, InvalidOptionError> =>
  Effect.try({
    try: () => {
      const absolute = Path.resolve(path)
      Fs.mkdirSync(Path.dirname(absolute), { recursive: true })
      Fs.writeFileSync(absolute, content)
      return absolute
    },
    catch: (e) =>
      new InvalidOptionError({
        option: flag,
        value: JSON.stringify(path),
        expected: `a writable file path (${e instanceof Error && "code" in e ? String(e.code) : "write failed"})`
      })
  })

/**
 * Writes `report` as JSON to `options.jsonPath` and as SVG to
 * `options.svgPath` (creating folders), and returns the absolute paths.
 * Fails with `InvalidOptionError` naming the flag when a path cannot be written.
 *
 * @since 0.1.0
 * @category constructors
 */
export const writeReports = (
  report: DrillReport
): Effect.Effect<{ readonly json: string; readonly svg: string }, InvalidOptionError> =>
  Effect.zipWith(
    write("--json", report.options.jsonPath, JSON.stringify(report, null, 2) + "\n"),
    write("--svg", report.options.svgPath, renderSvg(report)),
    (json, svg) => ({ json, svg })
  )
