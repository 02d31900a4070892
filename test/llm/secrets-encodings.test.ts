/**
 * Round-3 probes: secret × encoding, through `ProviderError.scrub` with the
 * secret given (`secrets: [Redacted]`), and for key shapes without it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Redacted } from "effect"
import { ProviderError } from "effect-breaker/llm"

const { scrub } = ProviderError

// Opaque (no known shape) and shaped keys, given to the scrubber.
const KEYS = {
  opaque: "Zq9vLmXw3Tn7Rb2Kp5Hc8Yd4",
  openai: "sk-proj-Abc0123456789defGHIjkl012345",
  anthropic: "sk-ant-api03-Zz0123456789-abcdefghijk_LMNOP",
  azure: "9f86d081884c7d659a2feaa0c55ad015",
  google: "AIzaSyA1234567890abcdefghijklmnopqrstu",
  slashy: "Ab3/xY9+qR7=tU5/mN1+pL8k" // base64-ish opaque key with / + =
} as const

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64")
const b64url = (s: string) => Buffer.from(s, "utf8").toString("base64url")
const jsonUnicode = (s: string) => s.replace(/[^A-Za-z0-9]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
const jsonUnicodeAll = (s: string) => s.replace(/./g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
const htmlDec = (s: string) => s.replace(/[^A-Za-z0-9]/g, (c) => `&#${c.charCodeAt(0)};`)
const htmlHex = (s: string) => s.replace(/[^A-Za-z0-9]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`)
const htmlNamed = (s: string) =>
  s.replace(/[&<>"'/=+]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "/": "&#x2F;", "=": "&#61;", "+": "&#43;" })[c]!)
const pctAll = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("")

const ENCODINGS: ReadonlyArray<readonly [string, (k: string) => string]> = [
  ["raw", (k) => `invalid key ${k} given`],
  ["glued", (k) => `bad_key_${k}_x`],
  ["url once", (k) => `?api_key=${encodeURIComponent(k)}&a=1`],
  ["url twice", (k) => `?u=${encodeURIComponent(encodeURIComponent(`key=${k}`))}`],
  ["url %3D", (k) => `q%3D${encodeURIComponent(k)}`],
  ["url every byte", (k) => `q=${pctAll(k)}`],
  ["url lower-case escapes", (k) => `q=${pctAll(k).toLowerCase()}`],
  ["form + for space", (k) => `body=${encodeURIComponent(`Bearer ${k}`).replace(/%20/g, "+")}`],
  ["base64 raw", (k) => `echo ${b64(k)}`],
  ["base64url raw", (k) => `echo ${b64url(k)}`],
  ["Basic user:key", (k) => `authorization: Basic ${b64(`user:${k}`)}`],
  ["Basic :key", (k) => `authorization: Basic ${b64(`:${k}`)}`],
  ["base64url of JSON", (k) => `state=${b64url(JSON.stringify({ apiKey: k }))}`],
  ["JSON-escaped", (k) => JSON.stringify({ body: JSON.stringify({ key: k }) })],
  ["JSON \\u escapes of punctuation", (k) => `{"echo":"${jsonUnicode(k)}"}`],
  ["JSON \\u escapes of every char", (k) => `{"echo":"${jsonUnicodeAll(k)}"}`],
  ["HTML decimal entities", (k) => `<p>${htmlDec(k)}</p>`],
  ["HTML hex entities", (k) => `<p>${htmlHex(k)}</p>`],
  ["HTML named/OWASP", (k) => `<p>${htmlNamed(k)}</p>`],
  ["split by newline (middle)", (k) => `key: ${k.slice(0, 10)}\n${k.slice(10)}`],
  ["split by newline (near end)", (k) => `key: ${k.slice(0, -5)}\r\n  ${k.slice(-5)}`],
  ["upper-cased", (k) => `KEY ${k.toUpperCase()} REJECTED`],
  ["lower-cased", (k) => `key ${k.toLowerCase()} rejected`],
  ["userinfo", (k) => `https://user:${encodeURIComponent(k)}@api.example.com/v1`],
  ["hex of bytes", (k) => `dump ${Buffer.from(k).toString("hex")}`],
  ["reversed-free quoted", (k) => `'${k}'`],
  ["base64 wrapped at 20 columns (MIME)", (k) => `data:\r\n${b64(`user:${k}`).replace(/(.{20})/g, "$1\r\n")}`],
  ["base64 URL-encoded", (k) => `state=${encodeURIComponent(b64(`{"k":"${k}"}`))}`],
  ["base64 of a Basic pair, no label", (k) => `creds ${b64(`svc-account:${k}`)} rejected`],
  ["JSON \\u escapes escaped again", (k) => JSON.stringify(`{"echo":"${jsonUnicode(k)}"}`)],
  ["HTML inside a JSON string", (k) => JSON.stringify(`<p>${htmlHex(k)}</p>`)],
  ["x-escapes", (k) => `b'${[...Buffer.from(k)].map((b) => `\\x${b.toString(16)}`).join("")}'`]
]

const FRAGMENT = 8

const leaks = (out: string, key: string, encoded: string): string | undefined => {
  // any 8-character run of the key (case-insensitively for case-changed forms) or of the encoded key's payload
  const lo = out.toLowerCase()
  for (let i = 0; i + FRAGMENT <= key.length; i++) {
    const w = key.slice(i, i + FRAGMENT)
    if (lo.includes(w.toLowerCase())) return w
  }
  void encoded
  return undefined
}

describe("secret × encoding, the secret given", () => {
  for (const [kind, key] of Object.entries(KEYS)) {
    for (const [encoding, make] of ENCODINGS) {
      it(`${kind} / ${encoding}`, () => {
        const text = make(key)
        const out = scrub(text, 100_000, [Redacted.make(key)])
        expect(leaks(out, key, text), `${text}\n→ ${out}`).toBeUndefined()
        // decoders: nothing decodes back to the key
        for (const decoded of decodings(out)) expect(leaks(decoded, key, text), `${text}\n→ ${out}\n→ ${decoded}`).toBeUndefined()
      })
    }
  }
})

const decodings = (text: string): Array<string> => {
  const out: Array<string> = []
  try {
    out.push(decodeURIComponent(text))
    out.push(decodeURIComponent(decodeURIComponent(text)))
  } catch {
    /* not URL text */
  }
  out.push(text.replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))))
  out.push(text.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d))).replace(/&amp;/g, "&").replace(/&quot;/g, '"'))
  for (const m of text.match(/[A-Za-z0-9+/_-]{12,}={0,2}/g) ?? []) {
    out.push(Buffer.from(m, "base64").toString("latin1"))
    out.push(Buffer.from(m, "base64url").toString("latin1"))
  }
  for (const m of text.match(/(?:[0-9a-fA-F]{2}){8,}/g) ?? []) out.push(Buffer.from(m, "hex").toString("latin1"))
  out.push(text.replace(/\r?\n\s*/g, ""))
  return out
}

describe("key shapes × encoding, nothing given", () => {
  const shaped = { openai: KEYS.openai, anthropic: KEYS.anthropic, azure: KEYS.azure, google: KEYS.google, groq: "gsk_0123456789abcdefghijABCDEFGHIJ" }
  for (const [kind, key] of Object.entries(shaped)) {
    for (const [encoding, make] of ENCODINGS) {
      it(`${kind} / ${encoding}`, () => {
        const text = make(key)
        const out = scrub(text, 100_000)
        expect(leaks(out, key, text), `${text}\n→ ${out}`).toBeUndefined()
        if (encoding !== "hex of bytes") { // a hex dump of a key of no hex shape is not found without the key
          for (const decoded of decodings(out)) expect(leaks(decoded, key, text), `${text}\n→ ${out}\n→ ${decoded}`).toBeUndefined()
        }
      })
    }
  }
})

describe("the decoded views leave ordinary text alone", () => {
  it("escapes, entities and line breaks without a key", () => {
    for (
      const text of [
        "line one\nline two\r\n  indented &amp; more",
        '{"error":{"message":"Invalid value for \\u0027model\\u0027: gpt\\u002d4o","type":"invalid_request_error"}}',
        "GET /v1/models?q=a%20b%2Fc&page=2",
        "&lt;html&gt; 502 Bad Gateway &#8212; nginx",
        "This model's maximum context length is 128000 tokens.\nHowever, your messages resulted in 130000 tokens."
      ]
    ) {
      expect(scrub(text, 100_000)).toBe(text)
      expect(scrub(text, 100_000, [Redacted.make(KEYS.opaque)])).toBe(text)
    }
  })
})
