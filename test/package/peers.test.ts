import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { importPeer, MissingPeerError, peerRanges } from "../../src/internal/peer.js"

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
})
