/**
 * Reading a settings file: JSON (`.json`) or YAML (`.yaml`, `.yml`, with the
 * optional peer `yaml`). One rule for every source: a leading UTF-8 byte order
 * mark is skipped; YAML is read with its failsafe schema (every scalar is text)
 * and then, as in the environment, text that is a plain decimal number becomes a
 * number, so `openDuration: 30` is refused as a bare number exactly as
 * `BREAKER_X_OPEN_DURATION=30` is, and `0x10` or `1e3` are text, not numbers.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { RegistryConfigError } from "./errors.js"
import { REDACTED } from "../secrets.js"
import { numberOrText } from "./fields.js"
import { show } from "../settings/decode.js"

/** Decimal text in a YAML document becomes a number; nothing else changes. */
const numbersIn = (u: unknown): unknown => {
  if (typeof u === "string") return numberOrText(u.trim())
  if (Array.isArray(u)) return u.map(numbersIn)
  if (typeof u === "object" && u !== null) {
    return Object.fromEntries(Object.entries(u).map(([k, v]) => [k, numbersIn(v)]))
  }
  return u
}

/** @internal */
export const isYaml = (path: string): boolean => /\.ya?ml$/i.test(path)

/**
 * Parses a settings file's text. A parse error names the file, never echoes its
 * text (it may hold anything).
 *
 * @internal
 */
export const parse = (path: string, raw: string): Effect.Effect<unknown, RegistryConfigError> => {
  const fail = (value: string, expected: string) => new RegistryConfigError({ setting: path, value, expected })
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw
  return isYaml(path)
    ? Effect.tryPromise({
      try: () => import("yaml"),
      catch: () => fail("(not read)", "the optional peer dependency `yaml` installed, to read YAML")
    }).pipe(Effect.flatMap((parser) =>
      Effect.try({
        try: () => numbersIn(parser.parse(text, { schema: "failsafe" }) as unknown),
        catch: () => fail(REDACTED, "valid YAML")
      })
    ))
    : Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => fail(REDACTED, "valid JSON") })
}

/** Reads and parses a settings file. @internal */
export const read = (path: string): Effect.Effect<unknown, RegistryConfigError> =>
  typeof path !== "string" || path.trim() === ""
    ? Effect.fail(new RegistryConfigError({ setting: "path", value: show(path), expected: "a file path (a non-empty string)" }))
    : Effect.tryPromise({
    try: () => import("node:fs/promises").then((fs) => fs.readFile(path, "utf8")),
    catch: (e) => {
      const code = typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? ` (${e.code})` : ""
      return new RegistryConfigError({
        setting: path,
        value: "(unreadable)",
        expected: `a readable ${isYaml(path) ? "YAML" : "JSON"} file${code}`
      })
    }
  }).pipe(Effect.flatMap((text) => parse(path, text)))

/** Prefixes an error inside a file with the file's path. @internal */
export const inFile = (path: string) => (e: RegistryConfigError): RegistryConfigError =>
  e.setting === path || typeof path !== "string" || e.setting === "path" ? e : new RegistryConfigError({
    setting: `${path}: ${e.setting}`,
    value: e.value,
    expected: e.expected,
    ...(e.option === undefined ? {} : { option: e.option })
  })
