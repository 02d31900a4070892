/**
 * Parses a command line with a command's flags exactly as `effect-breaker`
 * does (`@effect/cli`, its messages naming our flags: `Flags.namingFlags`),
 * without running the command: the parsed flags, or what is printed on stderr
 * for a bad command line.
 */
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Console, Effect, Either } from "effect"
import { namingFlags } from "../../src/cli/flags.js"

export const parse = async <Config extends Command.Command.Config>(
  config: Config,
  argv: ReadonlyArray<string>
): Promise<Either.Either<Command.Command.ParseConfig<Config>, string>> => {
  let parsed: Command.Command.ParseConfig<Config> | undefined
  const printed: Array<string> = []
  const command = Command.make("cmd", config, (c) => Effect.sync(() => void (parsed = c as Command.Command.ParseConfig<Config>)))
  const base = await Effect.runPromise(Effect.console)
  const capture: Console.Console = {
    ...base,
    error: (...args) => Effect.sync(() => void printed.push(args.map(String).join(" "))),
    log: (...args) => Effect.sync(() => void printed.push(args.map(String).join(" ")))
  }
  const result = await Effect.runPromise(
    Command.run(command, { name: "cmd", version: "0" })(["node", "cmd", ...argv]).pipe(
      namingFlags(argv),
      Effect.either,
      Effect.withConsole(capture),
      Effect.provide(NodeContext.layer)
    )
  )
  if (Either.isLeft(result)) return Either.left(printed.join("\n").trim())
  if (parsed === undefined) throw new Error(`the handler did not run; printed: ${printed.join("\n")}`)
  return Either.right(parsed)
}
