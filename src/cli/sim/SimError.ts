/**
 * The simulator's typed errors. Each names the file and the field that was
 * wrong and shows the value, so a user can fix a scenario or a config without
 * reading a stack trace.
 *
 * @internal
 */
import * as Data from "effect/Data"

/** One problem found in an input file: where (`outages[1].end`) and what. @internal */
export interface Issue {
  readonly path: string
  readonly message: string
}

/**
 * A scenario file, a config file or a command-line argument is malformed.
 *
 * @internal
 */
export class SimInputError extends Data.TaggedError("SimInputError")<{
  /** The file (or `"arguments"`) the problem is in. */
  readonly source: string
  readonly issues: ReadonlyArray<Issue>
}> {
  override get message(): string {
    const lines = this.issues.map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`))
    return lines.length === 1 ? `${this.source}: ${lines[0]}` : `${this.source}:\n  ${lines.join("\n  ")}`
  }
}

/** Reading an input or writing a result failed (the commands' one I/O error). @internal */
export { IoError as SimIoError } from "../report/files.js"
