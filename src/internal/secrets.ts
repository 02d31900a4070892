/**
 * Secret scrubbing: the one function every text that leaves the library through
 * an error, a log line or a span goes through when it may quote a request or a
 * provider's answer.
 *
 * Two layers, both without word boundaries (a key glued to a word, or after
 * `%3D` in a URL, is still a key):
 *
 * 1. **Known secrets** (the `Redacted` values a caller gives, e.g. the API key of
 *    a `Policy`): each is removed in every form it is likely to take in a
 *    message: raw, URL-encoded (`encodeURIComponent`, and `+` for spaces),
 *    JSON-escaped (once and twice: `@effect/ai` keeps a body as a JSON string),
 *    and inside base64 / base64url (a `Basic` header of `user:key`, at any of the
 *    three byte alignments). Any run of 12 or more characters of a known secret
 *    is removed too, so a truncated or partially echoed key does not survive.
 * 2. **Key shapes** (what a provider key looks like, known or not): `sk-`, `rk-`,
 *    `pk-` (OpenAI, Anthropic `sk-ant-`, Stripe-like `sk_live_`), Groq `gsk_`,
 *    Google `AIza…`, Hugging Face `hf_`, Replicate `r8_`, xAI `xai-`, GitHub,
 *    Slack, AWS `AKIA…`, 32+ hex characters (Azure OpenAI keys), JWT-like tokens,
 *    `Bearer …` / `Basic …`, and the value after a secret-looking label
 *    (`api_key=`, `x-api-key:`, `api-key %3D`, `token=`, `password:` …,
 *    `API key provided: …`).
 *
 * It is applied on error paths only (never per call on the hot path).
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"

/**
 * What replaces a secret, everywhere the library hides a value (scrubbed text,
 * credential headers, an option's value in an `InvalidOptionError`, a URL's
 * password): `<redacted>`, as `String(Redacted.make(...))` prints it.
 *
 * @internal
 */
export const REDACTED = "<redacted>"

/** The minimum length of a fragment of a known secret that is removed on its own. */
const FRAGMENT = 12

// A key body: letters, digits, `_`, `-`, and their URL-encoded forms.
const BODY = String.raw`(?:[A-Za-z0-9_-]|%2[dD]|%5[fF])`
const SEP = String.raw`(?:[-_]|%2[dD]|%5[fF])`

/**
 * Key shapes; the replacer decides. `needsDigit`: a digit and a letter are
 * required (`"glued"`: only when the match is glued to a preceding letter, as
 * in `task-management-system`, where words could match).
 */
type Shape = { readonly pattern: RegExp; readonly needsDigit: boolean | "glued"; readonly weak?: true }

const SHAPES: ReadonlyArray<Shape> = [
  // OpenAI sk-/sk-proj-, Anthropic sk-ant-, restricted rk-, publishable pk-, Groq gsk_, Stripe-like sk_live_
  { pattern: new RegExp(String.raw`(?:sk|rk|pk)${SEP}${BODY}{16,}`, "gi"), needsDigit: "glued" },
  // Google API keys
  { pattern: /AIza[0-9A-Za-z_-]{30,}/gi, needsDigit: false },
  // Hugging Face hf_, Replicate r8_, xAI xai-, GitHub ghp_/gho_/ghs_/github_pat_, Slack xox*-
  { pattern: /(?:hf_|r8_|xai-|gh[pousr]_|github_pat_|xox[abposr]-)[A-Za-z0-9_-]{16,}/g, needsDigit: "glued" },
  // AWS access key ids (Bedrock)
  { pattern: /(?:AKIA|ASIA)[0-9A-Z]{16}/g, needsDigit: false },
  // Azure OpenAI (32 hex) and any longer hex secret
  // (weak: trace, span and response ids are hex too; not read in texts that are not messages, see `strong`)
  { pattern: /[0-9a-fA-F]{32,}/g, needsDigit: true, weak: true },
  // Telegram bot tokens (bot id, `:`, 35 characters), as a path segment `bot<token>` carries them
  { pattern: /\d{8,10}(?::|%3[aA])[A-Za-z0-9_-]{35}/g, needsDigit: false },
  // JWT-like bearer tokens (header.payload.signature)
  { pattern: /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, needsDigit: false },
  // Authorization schemes, plain or URL-encoded
  { pattern: /(?:Bearer|Basic)(?:\s+|%20|\+)[A-Za-z0-9._~+/=%-]{6,}/gi, needsDigit: false }
]

/** The shapes that are never an id: for texts that are not messages (span names, arbitrary attributes). */
const STRONG_SHAPES: ReadonlyArray<Shape> = SHAPES.filter((shape) => shape.weak !== true)

// `label = value`, `label: value`, `label %3D value`, `"label":"value"`, `label value` (a digit required then).
const LABELLED =
  /([?&]key|x-api-key|x-goog-api-key|api[ _-]?key(?:\s+provided)?|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token|client[_-]?secret|secret|password|passwd|token)("?\s*[:=]\s*"?|%3[dD]|\s+)([^\s"'&,;)}\]<>]{4,})/gi

const hasDigit = /\d/
const hasLetter = /[A-Za-z]/

/** Whether a shape match is left alone (a word, a request id). */
const keepShape = (match: string, at: number, whole: string, needsDigit: boolean | "glued"): boolean => {
  const glued = at > 0 && /[A-Za-z]/.test(whole[at - 1]!) && !/%(?:3[dD]|20|2[fF]|3[aA])$/.test(whole.slice(0, at))
  // a request id (`req_` + 32 hex, as OpenAI quotes it for support) is not a key
  if (needsDigit === true && /req[_-]$/i.test(whole.slice(Math.max(0, at - 4), at))) return true
  const check = needsDigit === true || (needsDigit === "glued" && glued)
  return check && !(hasDigit.test(match) && hasLetter.test(match))
}

/** Whether a labelled value is left alone. */
const keepLabelled = (sep: string, value: string): boolean => {
  // (the value class stops at `<`, so this only guards a REDACTED that changes spelling)
  if (value.startsWith(REDACTED.slice(0, -1))) return true
  const assigned = !/^\s+$/.test(sep)
  // after a bare space, only something that looks generated (a digit, 8+ characters)
  return !assigned && !(value.length >= 8 && hasDigit.test(value))
}

const replaceShapes = (text: string, shapes: ReadonlyArray<Shape> = SHAPES): string => {
  let out = text
  for (const { needsDigit, pattern } of shapes) {
    out = out.replace(pattern, (match: string, at: number, whole: string) =>
      keepShape(match, at, whole, needsDigit) ? match : REDACTED)
  }
  return out.replace(LABELLED, (match, label: string, sep: string, value: string) =>
    keepLabelled(sep, value) ? match : `${label}${sep}${REDACTED}`)
}

const base64 = (bytes: Buffer): string => bytes.toString("base64")
const base64url = (bytes: Buffer): string => bytes.toString("base64url")

/**
 * The parts of base64 text that are the same whatever bytes surround the secret:
 * for each of the three alignments, the characters that depend only on it.
 */
const base64Cores = (secret: string): Array<string> => {
  const bytes = Buffer.from(secret, "utf8")
  const cores: Array<string> = []
  for (let pad = 0; pad < 3; pad++) {
    const padded = Buffer.concat([Buffer.alloc(pad, 0x41), bytes])
    for (const encode of [base64, base64url]) {
      const text = encode(padded).replace(/=+$/, "")
      // characters whose 6 bits lie wholly inside the secret's bytes
      const start = Math.ceil((pad * 4) / 3)
      const end = Math.floor((padded.length * 4) / 3)
      if (end - start >= 8) cores.push(text.slice(start, end))
    }
  }
  return cores
}

/** Every form a known secret is removed in. */
const formsOf = (secret: string): Array<string> => {
  const forms = new Set<string>([secret])
  const json = JSON.stringify(secret).slice(1, -1)
  forms.add(json)
  forms.add(JSON.stringify(json).slice(1, -1))
  const uri = encodeURIComponent(secret)
  forms.add(uri)
  forms.add(uri.replace(/%20/g, "+"))
  forms.add(uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()))
  forms.add(encodeURIComponent(uri))
  if (secret.length >= 6) for (const core of base64Cores(secret)) forms.add(core)
  // the bytes in hex (a dump, a hex-encoded header), either case: the view pass matches without case
  if (secret.length >= 6) forms.add(Buffer.from(secret, "utf8").toString("hex"))
  return [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length)
}

/** Removes every occurrence of each form, and every run of FRAGMENT+ characters of each secret. */
const removeKnown = (text: string, secrets: ReadonlyArray<{ readonly value: string; readonly forms: ReadonlyArray<string> }>) => {
  let out = text
  for (const secret of secrets) {
    for (const form of secret.forms) {
      if (out.includes(form)) out = out.split(form).join(REDACTED)
    }
    const value = secret.value
    if (value.length > FRAGMENT) {
      // mark every FRAGMENT-long window of the secret found in the text, then cut the marked ranges
      const marks = new Uint8Array(out.length)
      let found = false
      for (let i = 0; i + FRAGMENT <= value.length; i++) {
        const window = value.slice(i, i + FRAGMENT)
        let at = out.indexOf(window)
        while (at !== -1) {
          marks.fill(1, at, at + FRAGMENT)
          found = true
          at = out.indexOf(window, at + 1)
        }
      }
      if (found) {
        let cut = ""
        for (let i = 0; i < out.length; i++) {
          if (marks[i] === 1) {
            if (i === 0 || marks[i - 1] !== 1) cut += REDACTED
          } else cut += out[i]
        }
        out = cut
      }
    }
  }
  return out
}

/**
 * A decoded view of a text, each of its characters mapped back to the range of
 * the text it was decoded from, so that a secret found in the view is cut from
 * the text. One decoding step undoes what an echo, a proxy or a serializer may
 * have done to a key: `%XX` (any case, every byte), `\uXXXX` and `\xXX`,
 * `\/` and `\\`, HTML character references (`&#45;`, `&#x2d;`, `&amp;`,
 * `&#x2F;` …), and line breaks with the indentation after them (raw, or
 * escaped as `\n`), so a key wrapped over two lines reads whole.
 */
interface View {
  readonly text: string
  /** Absent for the text itself (character i is the range [i, i + 1)). */
  readonly starts?: ReadonlyArray<number>
  readonly ends?: ReadonlyArray<number>
}

const startOf = (view: View, i: number): number => view.starts === undefined ? i : view.starts[i]!
const endOf = (view: View, i: number): number => view.ends === undefined ? i + 1 : view.ends[i]!

const NAMED: Record<string, string> = {
  amp: "&", quot: "\"", apos: "'", lt: "<", gt: ">", sol: "/", equals: "=", plus: "+", lowbar: "_", hyphen: "-",
  period: ".", colon: ":", num: "#", percnt: "%", dollar: "$", excl: "!", quest: "?", commat: "@", tilde: "~"
}

const STEP =
  /%([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\([\\/])|&#(?:[xX]([0-9a-fA-F]{1,6})|(\d{1,7}));?|&([a-zA-Z]{2,8});|((?:\r\n?|\n|\\r\\n|\\n|\\r)[ \t]*)/g

const decodeStep = (view: View): View | undefined => {
  const text = view.text
  let out = ""
  const s: Array<number> = []
  const e: Array<number> = []
  let last = 0
  let changed = false
  const keep = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      out += text[i]
      s.push(startOf(view, i))
      e.push(endOf(view, i))
    }
  }
  STEP.lastIndex = 0
  for (let m = STEP.exec(text); m !== null; m = STEP.exec(text)) {
    const at = m.index
    const end = at + m[0].length
    const hex = m[1] ?? m[2] ?? m[3] ?? m[5]
    let decoded: string | undefined
    if (hex !== undefined) {
      const code = parseInt(hex, 16)
      decoded = code <= 0x10ffff ? String.fromCodePoint(code) : undefined
    } else if (m[4] !== undefined) decoded = m[4]
    else if (m[6] !== undefined) {
      const code = Number(m[6])
      decoded = code <= 0x10ffff ? String.fromCodePoint(code) : undefined
    } else if (m[7] !== undefined) decoded = NAMED[m[7].toLowerCase()]
    else if (m[8] !== undefined) decoded = ""
    if (decoded === undefined) continue
    keep(last, at)
    if (decoded.length > 0) {
      out += decoded
      for (let i = 0; i < decoded.length; i++) {
        s.push(startOf(view, at))
        e.push(endOf(view, end - 1))
      }
    }
    last = end
    changed = true
  }
  if (!changed) return undefined
  keep(last, text.length)
  return { text: out, starts: s, ends: e }
}

const identity = (text: string): View => ({ text })

/** The text's decoded views (at most three steps: a double URL encoding inside a JSON string). */
const decodedViews = (text: string): Array<View> => {
  const views: Array<View> = []
  if (!/[%\\&\r\n]/.test(text)) return views
  let view: View | undefined = identity(text)
  for (let step = 0; step < 3; step++) {
    view = decodeStep(view)
    if (view === undefined) break
    views.push(view)
  }
  return views
}

const asciiLower = (text: string): string => text.replace(/[A-Z]+/g, (m) => m.toLowerCase())

/** Marks, in `marks`, the text ranges whose view characters hold a known secret (or a FRAGMENT-long run of one), without case. */
const markKnown = (
  view: View,
  secrets: ReadonlyArray<{ readonly value: string; readonly forms: ReadonlyArray<string> }>,
  marks: Uint8Array
): boolean => {
  const lower = asciiLower(view.text)
  let found = false
  for (const { forms, value } of secrets) {
    // the encoded forms too (base64 wrapped over lines, or URL-encoded itself), as written: base64 has case
    if (view.starts !== undefined) {
      for (const form of forms) {
        if (form.length < 8) continue
        for (let at = view.text.indexOf(form); at !== -1; at = view.text.indexOf(form, at + 1)) {
          marks.fill(1, startOf(view, at), endOf(view, at + form.length - 1))
          found = true
        }
      }
    }
    const secret = asciiLower(value)
    const size = Math.min(FRAGMENT, secret.length)
    for (let i = 0; i + size <= secret.length; i++) {
      const window = secret.slice(i, i + size)
      for (let at = lower.indexOf(window); at !== -1; at = lower.indexOf(window, at + 1)) {
        marks.fill(1, startOf(view, at), endOf(view, at + size - 1))
        found = true
      }
    }
  }
  return found
}

/** Marks the text ranges of key shapes found in a decoded view (the same tests as `replaceShapes`). */
const markShapes = (view: View, marks: Uint8Array, shapes: ReadonlyArray<Shape>): boolean => {
  const text = view.text
  let found = false
  const mark = (from: number, to: number) => {
    if (to <= from) return
    marks.fill(1, startOf(view, from), endOf(view, to - 1))
    found = true
  }
  for (const { needsDigit, pattern } of shapes) {
    pattern.lastIndex = 0
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      if (keepShape(m[0], m.index, text, needsDigit)) continue
      mark(m.index, m.index + m[0].length)
    }
  }
  LABELLED.lastIndex = 0
  for (let m = LABELLED.exec(text); m !== null; m = LABELLED.exec(text)) {
    const label = m[1] ?? ""
    const sep = m[2] ?? ""
    const value = m[3] ?? ""
    if (keepLabelled(sep, value)) continue
    const at = m.index + label.length + sep.length
    mark(at, at + value.length)
  }
  return found
}

const cut = (text: string, marks: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < text.length; i++) {
    if (marks[i] === 1) {
      if (i === 0 || marks[i - 1] !== 1) out += REDACTED
    } else out += text[i]
  }
  return out
}

/**
 * What the pattern passes cannot see: known secrets in another case, and known
 * secrets or key shapes behind an escape or a line break, found in the decoded
 * views and cut from the text.
 */
const removeDecoded = (
  text: string,
  secrets: ReadonlyArray<{ readonly value: string; readonly forms: ReadonlyArray<string> }>,
  shapes: ReadonlyArray<Shape>
): string => {
  const marks = new Uint8Array(text.length)
  let found = secrets.length > 0 && markKnown(identity(text), secrets, marks)
  const views = decodedViews(text)
  for (const view of views) {
    if (secrets.length > 0 && markKnown(view, secrets, marks)) found = true
    if (markShapes(view, marks, shapes)) found = true
  }
  for (const view of [identity(text), ...views]) if (markBase64(view, secrets, marks, shapes)) found = true
  return found ? cut(text, marks) : text
}

/** A run that may be base64 or base64url (16+ characters). */
const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g

/**
 * Decode and check: each base64 or base64url run that decodes to text holding
 * a key shape or a known secret (a `Basic` pair with no label before it, a
 * token inside a base64 JSON state parameter) is cut whole.
 */
const markBase64 = (
  view: View,
  secrets: ReadonlyArray<{ readonly value: string }>,
  marks: Uint8Array,
  shapes: ReadonlyArray<Shape>
): boolean => {
  let found = false
  BASE64_RUN.lastIndex = 0
  for (let m = BASE64_RUN.exec(view.text); m !== null; m = BASE64_RUN.exec(view.text)) {
    const run = m[0]
    // plain words and identifiers are runs too: only those that decode to mostly printable text are read
    const decoded = Buffer.from(run, /[-_]/.test(run) ? "base64url" : "base64").toString("latin1")
    if (decoded.length < 8) continue
    let printable = 0
    for (let i = 0; i < decoded.length; i++) {
      const c = decoded.charCodeAt(i)
      if (c >= 0x20 && c < 0x7f) printable++
    }
    if (printable < decoded.length * 0.9) continue
    const lower = asciiLower(decoded)
    const known = secrets.some(({ value }) => {
      const secret = asciiLower(value)
      const size = Math.min(FRAGMENT, secret.length)
      for (let i = 0; i + size <= secret.length; i++) if (lower.includes(secret.slice(i, i + size))) return true
      return false
    })
    if (!known && replaceShapes(decoded, shapes) === decoded) continue
    marks.fill(1, startOf(view, m.index), endOf(view, m.index + run.length - 1))
    found = true
  }
  return found
}

/**
 * A scrubber: `(text) => text` without the given secrets and without anything
 * shaped like a key.
 *
 * @internal
 */
export interface Scrubber {
  (text: string): string
  /**
   * The same secrets and the shapes that are never an id (no bare hex run):
   * for texts that are not messages, such as span names and attributes of
   * any key, where a trace id or a response id must stay readable.
   */
  readonly strong?: (text: string) => string
}

/** Secrets shorter than this are ignored: removing every "ab" would wreck a message and protect nothing. */
const MIN_SECRET = 4

const prepare = (secrets: Iterable<Redacted.Redacted<string> | string> | Redacted.Redacted<string> | string | undefined) => {
  const out: Array<{ value: string; forms: Array<string> }> = []
  if (secrets === undefined || secrets === null) return out
  // one secret given alone (not in an array) is still one secret, not its characters
  const list: Iterable<unknown> = typeof secrets === "string" || Redacted.isRedacted(secrets) ? [secrets] :
    typeof (secrets as Iterable<unknown>)[Symbol.iterator] === "function" ? secrets as Iterable<unknown> : []
  for (const s of list) {
    const value = Redacted.isRedacted(s) ? Redacted.value(s) : s
    if (typeof value !== "string" || value.trim().length < MIN_SECRET) continue
    out.push({ value, forms: formsOf(value) })
  }
  // longest first, so a secret that contains another is removed whole
  return out.sort((a, b) => b.value.length - a.value.length)
}

/**
 * Makes a scrubber for the given secrets (plus the key shapes every scrubber knows).
 *
 * @internal
 */
export const makeScrubber = (secrets?: Iterable<Redacted.Redacted<string> | string> | undefined): Scrubber => {
  const known = prepare(secrets)
  // the decoded views first: a pass on the raw text could cut part of a key that only a view reads whole
  const using = (shapes: ReadonlyArray<Shape>) => (text: string): string => {
    const decoded = removeDecoded(text, known, shapes)
    return replaceShapes(known.length === 0 ? decoded : removeKnown(decoded, known), shapes)
  }
  return Object.assign(using(SHAPES), { strong: using(STRONG_SHAPES) })
}

/** The scrubber that knows only key shapes. @internal */
export const scrubShapes: Scrubber = makeScrubber()

/** Scrubs, then truncates to `maxLength` characters. @internal */
export const scrubAndTruncate = (scrubber: Scrubber, text: string, maxLength: number): string => {
  const clean = scrubber(text)
  return clean.length > maxLength ? `${clean.slice(0, maxLength - 1)}…` : clean
}

/** The names of request headers that carry credentials. @internal */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "cookie",
  "set-cookie",
  "openai-organization",
  "openai-project"
])

/** Header names that say they carry a credential, whatever the vendor: `ocp-apim-subscription-key`, `x-auth-token`, `x-amz-security-token`, `anthropic-api-key` … */
const SECRET_HEADER_NAME =
  /(?:^|[-_.])(?:auth|authorization|api[-_]?key|apikey|key|token|secret|password|passwd|credentials?|signature|cookie|session)(?:$|[-_.])/

/**
 * Whether a header (any casing) carries a credential: a known one
 * ({@link SECRET_HEADERS}) or one whose name says so. `idempotency-key` is not one.
 *
 * @internal
 */
export const isSecretHeader = (name: string): boolean => {
  const lower = name.toLowerCase()
  return SECRET_HEADERS.has(lower) || (lower !== "idempotency-key" && SECRET_HEADER_NAME.test(lower))
}

/** Query parameters that carry credentials (`?key=` is Google's). @internal */
export const SECRET_PARAM = /^(?:key|api[_-]?key|apikey|access[_-]?token|token|auth|secret|password|sig|signature)$/i

/**
 * A URL (or a URL's query alone, as `url.query` holds it) with what its syntax
 * says is a credential replaced, whatever its shape: the userinfo
 * (`user:password@`, or a key alone as the user, as Stripe-style APIs take
 * it) and the values of credential query parameters (`key`, `api_key`,
 * `token`, `sig`, …). Error and export paths only.
 *
 * @internal
 */
export const redactUrl = (url: string): string => {
  let out = url
  const scheme = out.indexOf("://")
  if (scheme >= 0) {
    let end = out.length
    for (let i = scheme + 3; i < out.length; i++) {
      const c = out[i]
      if (c === "/" || c === "?" || c === "#" || c === "\\") {
        end = i
        break
      }
    }
    const at = out.lastIndexOf("@", end - 1)
    if (at >= scheme + 3) out = `${out.slice(0, scheme + 3)}${REDACTED}${out.slice(at)}`
  }
  return out.replace(/(^|[?&;])([^=&#?;]+)=([^&#;]*)/g, (match, lead: string, name: string, value: string) => {
    let decoded = name
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, " "))
    } catch {
      // keep it as written
    }
    return value.length > 0 && value !== REDACTED && SECRET_PARAM.test(decoded.trim()) ? `${lead}${name}=${REDACTED}` : match
  })
}
