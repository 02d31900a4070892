import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { importPeer, MissingPeerError, missingPeerOr, peerRanges } from "../../src/internal/peer.js"

const manifest = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../../package.json"), "utf8"))

describe("optional peers", () => {
  it("the ranges quoted in MissingPeerError messages are package.json's optional peers", () => {
    for (const [name, range] of Object.entries(peerRanges)) {
      expect(manifest.peerDependencies[name], name).toBe(range)
      expect(manifest.peerDependenciesMeta[name]?.optional, name).toBe(true)
    }
  })

  it.effect("a missing package fails with MissingPeerError naming it and the install line", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        importPeer("effect-breaker/otel/prometheus", () => import(["@opentelemetry", "exporter-not-installed"].join("/")))
      )
      expect(error).toBeInstanceOf(MissingPeerError)
      expect(error.packageName).toBe("@opentelemetry/exporter-not-installed")
      expect(error.message).toBe(
        "effect-breaker/otel/prometheus needs the optional peer dependency @opentelemetry/exporter-not-installed, which is not installed: " +
          "npm install @opentelemetry/exporter-not-installed"
      )
      const yaml = new MissingPeerError({ subpath: "effect-breaker", packageName: "yaml" })
      expect(yaml.message).toContain("npm install yaml@\"^2.0.0\"")
    }))

  it.effect("any other import failure is a defect, not a missing peer", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(importPeer("x", () => Promise.reject(new TypeError("boom"))))
      expect(exit._tag).toBe("Failure")
      expect(exit._tag === "Failure" && exit.cause._tag).toBe("Die")
    }))

  it.effect("effect-breaker/ai's entry: a missing @effect/ai becomes MissingPeerError; any other import failure is thrown as it is", () =>
    Effect.gen(function*() {
      const notFound = (message: string) => Object.assign(new Error(message), { code: "ERR_MODULE_NOT_FOUND" })
      const missing = missingPeerOr(
        "effect-breaker/ai",
        ["@effect/ai"],
        notFound("Cannot find package '@effect/ai' imported from /app/node_modules/effect-breaker/dist/ai/classify.js")
      )
      expect(missing).toBeInstanceOf(MissingPeerError)
      expect((missing as MissingPeerError).message).toBe(
        `effect-breaker/ai needs the optional peer dependency @effect/ai, which is not installed: npm install @effect/ai@"${manifest.peerDependencies["@effect/ai"]}"`
      )
      const others = [
        new TypeError("boom"), // a module that threw while loading
        notFound("Cannot find package '@effect/platform' imported from /app/node_modules/@effect/ai/dist/esm/AiError.js"), // not this subpath's peer
        notFound("Cannot find module '/app/node_modules/effect-breaker/dist/ai/classify.js' imported from /app/node_modules/effect-breaker/dist/ai/index.js"), // a file of ours
        Object.assign(new Error("Package subpath './AiError' is not defined by \"exports\""), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" })
      ]
      for (const error of others) expect(missingPeerOr("effect-breaker/ai", ["@effect/ai"], error)).toBe(error)
    }))

  it.effect("effect-breaker/ai's entry exports what index.ts exports (its types are index.ts's), the same values", () =>
    Effect.gen(function*() {
      const index: Record<string, unknown> = yield* Effect.promise(() => import("../../src/ai/index.js"))
      const entry: Record<string, unknown> = yield* Effect.promise(() => import("../../src/ai/entry.js"))
      expect(Object.keys(entry).sort()).toEqual(Object.keys(index).sort())
      for (const name of Object.keys(index)) expect(entry[name], name).toBe(index[name])
      expect(manifest.exports["./ai"]).toEqual({
        types: "./dist/ai/index.d.ts",
        require: "./dist/ai/index.js",
        default: "./dist/ai/entry.js"
      })
    }))
})
