/**
 * The package as a user gets it: `npm pack` (its `prepack` builds `dist`), the
 * tarball installed into a scratch project with `effect` and the optional peers
 * (cached between runs: see harness.ts), then, in that project:
 * - `consumer/program.ts` type-checked under moduleResolution NodeNext and
 *   Bundler (our declarations checked too: skipLibCheck off, errors outside
 *   effect-breaker's files ignored), compiled, and run with plain `node`;
 * - the module graph of `import "effect-breaker"` and of every subpath: the root
 *   loads no optional peer, each subpath only the peers the README lists for it;
 * - `npx effect-breaker simulate hard-outage` and a short drill from the install;
 * - a copy of the project without some peers: a missing peer is named, with its
 *   `npm install` line, at layer construction (otel/prometheus, redis), at import
 *   (ai, whose entry loads the subpath with `import()`) and by the drill.
 * Prints the figures: tarball size, install, check and run times, cold import of the root.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { exited, install, type Installed, manifest, ok, pack, type Packed, packagesIn, repoRoot, run, withoutPackages } from "./consumer/harness.js"

const tsc = path.join(repoRoot, "node_modules", ".bin", "tsc")
const figures: Record<string, string> = {}
let packed: Packed
let installed: Installed

/** The optional peers each subpath may load when imported (the README's table); the others load theirs when a layer is built. */
const peersAtImport: Record<string, ReadonlyArray<string>> = {
  ".": [],
  "./llm": [],
  "./ai": ["@effect/ai"],
  "./http": [],
  "./otel": [],
  "./otel/prometheus": [],
  "./otel/otlp": [],
  "./testing": [],
  "./admin": [],
  "./redis": []
}
const optionalPeers = Object.keys(manifest.peerDependenciesMeta ?? {}).filter((p) => manifest.peerDependenciesMeta[p].optional)
const subpaths = Object.keys(manifest.exports).filter((k) => k !== "./package.json")
const specifier = (subpath: string) => subpath === "." ? "effect-breaker" : `effect-breaker/${subpath.slice(2)}`

const tsconfig = (resolution: "NodeNext" | "Bundler") => ({
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2022"],
    module: resolution === "NodeNext" ? "NodeNext" : "ESNext",
    moduleResolution: resolution,
    strict: true,
    exactOptionalPropertyTypes: true,
    // NodeNext also checks every declaration file (ours included; others' errors are filtered out), Bundler only the program
    skipLibCheck: resolution === "Bundler",
    types: ["node"],
    typeRoots: [path.join(repoRoot, "node_modules", "@types")],
    outDir: "out",
    noEmit: resolution === "Bundler"
  },
  files: ["program.ts"]
})

/** tsc's errors in the consumer program or in effect-breaker's declarations (others' .d.ts, e.g. DOM references, are not ours). */
const ourErrors = (output: string): Array<string> =>
  output.split("\n").filter((l) => /error TS/.test(l) && (l.startsWith("program.ts") || l.includes("node_modules/effect-breaker/")))

describe("the packed package, installed in a consumer project", () => {
  beforeAll(async () => {
    packed = await pack()
    installed = await install(packed)
    fs.copyFileSync(path.join(import.meta.dirname, "consumer", "program.ts"), path.join(installed.dir, "program.ts"))
    fs.copyFileSync(path.join(import.meta.dirname, "consumer", "graph.mjs"), path.join(installed.dir, "graph.mjs"))
    figures["tarball"] = `${(packed.bytes / 1024).toFixed(1)} kB, ${packed.files.length} files (npm pack incl. build: ${(packed.ms / 1000).toFixed(1)} s)`
    figures["install"] = installed.cached ? "cached (same tarball and dependencies)" : `${(installed.ms / 1000).toFixed(1)} s`
  }, 900_000)

  afterAll(() => {
    if (packed !== undefined) fs.rmSync(path.dirname(packed.file), { recursive: true, force: true })
    const lines = Object.entries(figures).map(([k, v]) => `  ${k.padEnd(22)} ${v}`)
    console.log(`consumer test figures (${installed?.dir ?? "no install"}):\n${lines.join("\n")}`)
    fs.mkdirSync(path.join(repoRoot, ".reports"), { recursive: true })
    fs.writeFileSync(path.join(repoRoot, ".reports", "consumer.json"), JSON.stringify(figures, null, 2) + "\n")
  })

  it("the tarball holds what exports, bin and the README point at", () => {
    const files = new Set(packed.files)
    for (const [subpath, target] of Object.entries(manifest.exports as Record<string, any>)) {
      if (subpath === "./package.json") continue
      expect(Object.keys(target), subpath).toContain("types")
      expect(Object.keys(target), subpath).toContain("default")
      for (const [condition, file] of Object.entries<string>(target)) expect(files.has(file.slice(2)), `${subpath} ${condition} → ${file}`).toBe(true)
    }
    expect(files.has(manifest.bin["effect-breaker"].slice(2))).toBe(true)
    for (const f of ["LICENSE", "README.md", "scenarios/hard-outage.json", "dashboards/alerts.yml"]) expect(files.has(f), f).toBe(true)
    const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8")
    for (const [, link] of readme.matchAll(/\]\((?!https?:|#)([^)\s#]+)/g)) expect(files.has(link!), `README links ${link}`).toBe(true)
    expect([...files].filter((f) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([])
    // every subpath has a row in the README's install table (what it gives, what to install)
    const install = readme.slice(readme.indexOf("## Install"), readme.indexOf("\n## ", readme.indexOf("## Install") + 1))
    for (const subpath of subpaths) expect(install, `README install table row for ${specifier(subpath)}`).toContain(`| \`${specifier(subpath)}\` |`)
  })

  it("type-checks under moduleResolution NodeNext and Bundler", async () => {
    for (const resolution of ["NodeNext", "Bundler"] as const) {
      const config = path.join(installed.dir, `tsconfig.${resolution}.json`)
      fs.writeFileSync(config, JSON.stringify(tsconfig(resolution), null, 2))
      const ran = await run(tsc, ["-p", config], { cwd: installed.dir })
      figures[`typecheck ${resolution}`] = `${(ran.ms / 1000).toFixed(1)} s`
      expect(ourErrors(ran.stdout + ran.stderr), `${resolution}:\n${ran.stdout}`).toEqual([])
      if (resolution === "NodeNext") expect(fs.existsSync(path.join(installed.dir, "out", "program.js"))).toBe(true)
    }
  }, 120_000)

  it("runs with plain node: every subpath exercised once", async () => {
    const ran = await run("node", ["out/program.js"], { cwd: installed.dir, timeoutMs: 120_000 })
    figures["program run"] = `${(ran.ms / 1000).toFixed(1)} s`
    ok(ran, "node out/program.js")
    expect(ran.stdout).toContain("consumer: all checks passed")
    expect(ran.stdout.match(/^ok /gm)?.length).toBeGreaterThanOrEqual(8)
  }, 180_000)

  it("the root loads no optional peer; each subpath loads only the peers listed for it", async () => {
    const urls = (file: string) => new Set(fs.readFileSync(file, "utf8").split("\n").filter((u) => u !== ""))
    const moduleCounts: Record<string, { total: number; ours: number }> = {}
    const graph = async (specifier: string): Promise<ReadonlySet<string>> => {
      const out = path.join(installed.dir, `graph-${specifier.replace(/\W+/g, "_")}.txt`)
      fs.rmSync(out, { force: true })
      ok(
        await run("node", ["--import", "./graph.mjs", "--input-type=module", "-e", `await import(${JSON.stringify(specifier)})`], {
          cwd: installed.dir,
          env: { EB_GRAPH_OUT: out }
        }),
        `import ${specifier}`
      )
      const resolved = urls(out)
      moduleCounts[specifier] = { total: resolved.size, ours: [...resolved].filter((u) => u.includes("/node_modules/effect-breaker/")).length }
      return packagesIn([...resolved])
    }
    const effectAlone = await graph("effect")
    const report: Array<string> = []
    for (const subpath of subpaths) {
      const loaded = await graph(specifier(subpath))
      const peers = optionalPeers.filter((p) => loaded.has(p))
      report.push(`${specifier(subpath)}: ${peers.length === 0 ? "no optional peer" : peers.join(", ")} (${loaded.size} packages)`)
      const allowed = peersAtImport[subpath]
      if (allowed !== undefined) expect(peers.filter((p) => !allowed.includes(p)), specifier(subpath)).toEqual([])
      // the root needs nothing but effect (and what `import "effect"` itself loads)
      if (subpath === ".") expect([...loaded].filter((p) => p !== "effect-breaker" && !effectAlone.has(p))).toEqual([])
    }
    figures["optional peers at import"] = `\n    ${report.join("\n    ")}`
    const root = moduleCounts["effect-breaker"]!
    figures["modules at import"] = `root ${root.total} (${root.ours} of ours); import "effect" alone ${moduleCounts.effect!.total}`
  }, 120_000)

  it("cold import of the root (beside effect's own, alternating, in fresh processes)", async () => {
    const times: Record<string, Array<number>> = { "effect-breaker": [], effect: [] }
    for (let i = 0; i < 5; i++) {
      for (const specifier of ["effect-breaker", "effect"]) {
        const ran = ok(
          await run("node", ["--input-type=module", "-e", `const t = performance.now(); await import("${specifier}"); console.log(performance.now() - t)`], {
            cwd: installed.dir
          }),
          `cold import ${specifier}`
        )
        times[specifier]!.push(Number(ran.stdout.trim()))
      }
    }
    const median = (xs: Array<number>) => xs.slice().sort((a, b) => a - b)[2]!
    const root = median(times["effect-breaker"]!)
    const effect = median(times.effect!)
    figures["cold import (root)"] = `${root.toFixed(0)} ms median of 5; import "effect" alone ${effect.toFixed(0)} ms (ratio ${(root / effect).toFixed(2)})`
    expect(root).toBeLessThan(5_000)
  }, 120_000)

  it("npx effect-breaker simulate hard-outage, --help, --version, --completions and a bad flag, from the install", async () => {
    const ran = ok(await run("npx", ["effect-breaker", "simulate", "hard-outage"], { cwd: installed.dir, timeoutMs: 180_000 }), "npx simulate")
    figures["npx simulate"] = `${(ran.ms / 1000).toFixed(1)} s`
    expect(ran.stdout).toContain("scenario hard-outage")
    for (const preset of ["default", "aggressive", "lenient"]) expect(ran.stdout).toMatch(new RegExp(`^${preset}\\s+\\d+`, "m"))
    const help = ok(await run("npx", ["effect-breaker", "--help"], { cwd: installed.dir }), "npx --help")
    expect(help.stdout).toContain("simulate")
    expect(help.stdout).toContain("drill")
    expect(help.stdout, "no colour codes when piped").not.toContain("\x1b[")
    const version = ok(await run("npx", ["effect-breaker", "--version"], { cwd: installed.dir }), "npx --version")
    expect(version.stdout.trim()).toBe(manifest.version)
    const completions = ok(await run("npx", ["effect-breaker", "--completions", "bash"], { cwd: installed.dir }), "npx --completions")
    expect(completions.stdout).toContain("complete -F")
    expect(completions.stdout).toContain("simulate")
    const bad = exited(await run("npx", ["effect-breaker", "simulate", "hard-outage", "--seed", "x"], { cwd: installed.dir }), "npx simulate --seed x", 2)
    expect(bad.stderr + bad.stdout).toContain(`Invalid option "--seed": got "x"`)
  }, 240_000)

  it("npx effect-breaker tune (a small budget, worker threads from dist) from the install", async () => {
    const ran = ok(
      await run("npx", ["effect-breaker", "tune", "--budget", "8", "--workers", "2", "--duration", "1500", "--out", "tuned.json", "hard-outage"], {
        cwd: installed.dir,
        timeoutMs: 180_000
      }),
      "npx tune"
    )
    figures["npx tune (budget 8)"] = `${(ran.ms / 1000).toFixed(1)} s`
    expect(ran.stdout).toContain("evaluated 8 candidates")
    expect(ran.stdout).toContain("2 worker threads")
  }, 240_000)

  it("npx effect-breaker drill (a short one) from the install", async () => {
    const ran = ok(
      await run("npx", ["effect-breaker", "drill", "--quick", "--breaker-only", "--no-metrics", "--json", "drill.json", "--svg", "drill.svg"], {
        cwd: installed.dir,
        timeoutMs: 120_000
      }),
      "npx drill"
    )
    figures["npx drill --quick"] = `${(ran.ms / 1000).toFixed(1)} s`
    expect(JSON.parse(fs.readFileSync(path.join(installed.dir, "drill.json"), "utf8")).runs.length).toBe(1)
  }, 180_000)

  it("the bare install a README reader does (npm install <tarball> effect): peers come along, the CLI runs, the drill names what it lacks", async () => {
    const bare = await install(packed, { effect: manifest.devDependencies.effect })
    figures["bare install"] = bare.cached ? "cached" : `${(bare.ms / 1000).toFixed(1)} s`
    for (const required of ["@effect/platform", "@effect/platform-node", "@effect/cli"]) {
      expect(fs.existsSync(path.join(bare.dir, "node_modules", required, "package.json")), `${required} installed`).toBe(true)
    }
    // no optional peer comes along, unless another installed package depends on it (yaml: @effect/cli's)
    const modules = path.join(bare.dir, "node_modules")
    const installed = fs.readdirSync(modules).flatMap((e) => e.startsWith("@") ? fs.readdirSync(path.join(modules, e)).map((s) => `${e}/${s}`) : [e])
    const dependedOn = new Set(installed.flatMap((name) => {
      const file = path.join(modules, name, "package.json")
      return fs.existsSync(file) ? Object.keys(JSON.parse(fs.readFileSync(file, "utf8")).dependencies ?? {}) : []
    }))
    expect(optionalPeers.filter((p) => installed.includes(p) && !dependedOn.has(p))).toEqual([])
    const sim = ok(await run("npx", ["effect-breaker", "simulate", "hard-outage", "--config", "default"], { cwd: bare.dir, timeoutMs: 120_000 }), "bare simulate")
    expect(sim.stdout).toMatch(/^default\s+\d+/m)
    const root = ok(
      await run("node", ["--input-type=module", "-e", "import { CircuitBreaker } from 'effect-breaker'; console.log(typeof CircuitBreaker.make)"], { cwd: bare.dir }),
      "bare import"
    )
    expect(root.stdout.trim()).toBe("function")
    const drill = exited(await run("npx", ["effect-breaker", "drill", "--quick"], { cwd: bare.dir }), "bare drill", 1)
    expect(drill.stderr).toContain(`drill needs the package @effect/ai, which is not installed: npm install @effect/ai@"${manifest.peerDependencies["@effect/ai"]}"`)
  }, 600_000)

  it("a missing peer is named with its npm install line (layer construction, and the drill)", async () => {
    // without the Prometheus exporter and ioredis: the layer names the exporter; the drill runs (saying its metrics are
    // not served, and why) and loads ioredis only for --fleet, which names it
    const dir = withoutPackages(installed.dir, ["@opentelemetry/exporter-prometheus", "ioredis"], "without-exporter-redis")
    const node = (...args: Array<string>) => run("node", ["--preserve-symlinks", "--preserve-symlinks-main", ...args], { cwd: dir, timeoutMs: 120_000 })
    const program = `
      import { Effect, Layer } from "effect"
      import { layerPrometheus } from "effect-breaker/otel/prometheus"
      const exit = await Effect.runPromiseExit(Layer.launch(layerPrometheus({ serviceName: "x", port: 0 })))
      console.log(JSON.stringify(exit.cause?.error?._tag), exit.cause?.error?.message)`
    const otel = ok(await node("--input-type=module", "-e", program), "missing exporter")
    expect(otel.stdout).toContain("\"MissingPeerError\"")
    expect(otel.stdout).toContain(`npm install @opentelemetry/exporter-prometheus@"${manifest.peerDependencies["@opentelemetry/exporter-prometheus"]}"`)
    const redis = `
      import { Effect, Layer } from "effect"
      import { RedisStore } from "effect-breaker/redis"
      const exit = await Effect.runPromiseExit(Layer.launch(RedisStore.layer({ url: "redis://127.0.0.1:1" })))
      console.log(JSON.stringify(exit.cause?.error?._tag), exit.cause?.error?.message)`
    const store = ok(await node("--input-type=module", "-e", redis), "missing ioredis")
    expect(store.stdout).toContain("\"MissingPeerError\"")
    expect(store.stdout).toContain(`effect-breaker/redis needs the optional peer dependency ioredis, which is not installed: npm install ioredis@"${manifest.peerDependencies.ioredis}"`)
    const main = "node_modules/effect-breaker/dist/cli/main.js"
    const drill = ok(await node(main, "drill", "--quick", "--breaker-only", "--json", "d.json", "--svg", "d.svg"), "drill without exporter and ioredis")
    expect(drill.stderr + drill.stdout).toContain("metrics: not served")
    expect(drill.stdout).not.toContain("metrics: curl") // no URL announced for an endpoint that never started
    expect(drill.stderr + drill.stdout).toContain("npm install @opentelemetry/exporter-prometheus")
    const fleet = exited(await node(main, "drill", "--quick", "--fleet", "2", "--redis-url", "redis://127.0.0.1:1"), "drill --fleet without ioredis", 1)
    expect(fleet.stderr).toContain(`drill --fleet needs the package ioredis, which is not installed: npm install ioredis@"${manifest.peerDependencies.ioredis}"`)

    // without one of the drill's providers
    const noOpenAi = withoutPackages(installed.dir, ["@effect/ai-openai"], "without-ai-openai")
    const missing = exited(
      await run("node", ["--preserve-symlinks", "--preserve-symlinks-main", main, "drill", "--quick"], { cwd: noOpenAi }),
      "drill without @effect/ai-openai",
      1
    )
    expect(missing.stderr).toContain("drill needs the package @effect/ai-openai, which is not installed: npm install @effect/ai-openai")
  }, 240_000)

  it("effect-breaker/ai without @effect/ai: the import names it with its npm install line; a broken @effect/ai stays its own error", async () => {
    const message = `effect-breaker/ai needs the optional peer dependency @effect/ai, which is not installed: npm install @effect/ai@"${
      manifest.peerDependencies["@effect/ai"]
    }"`
    const dir = withoutPackages(installed.dir, ["@effect/ai"], "without-ai")
    const node = (...args: Array<string>) => run("node", ["--preserve-symlinks", "--preserve-symlinks-main", ...args], { cwd: dir })
    const caught = `
      try { await import("effect-breaker/ai"); console.log("imported") }
      catch (e) { console.log(JSON.stringify(e._tag), e.message) }`
    const missing = ok(await node("--input-type=module", "-e", caught), "import effect-breaker/ai without @effect/ai")
    expect(missing.stdout.trim()).toBe(`"MissingPeerError" ${message}`)
    // what a user sees: the static import of the README's examples, uncaught
    const uncaught = exited(
      await node("--input-type=module", "-e", `import { LanguageModelBreaker } from "effect-breaker/ai"; console.log(typeof LanguageModelBreaker)`),
      "static import effect-breaker/ai without @effect/ai",
      1
    )
    expect(uncaught.stderr).toContain(message)
    expect(uncaught.stderr).not.toContain("Cannot find package")
    // the other subpaths do not need it
    ok(await node("--input-type=module", "-e", `import "effect-breaker"; import "effect-breaker/llm"`), "the root and llm without @effect/ai")

    // an @effect/ai that is there but fails to load: its own error, not a missing peer
    const broken = path.join(dir, "node_modules", "@effect", "ai")
    fs.mkdirSync(broken)
    fs.writeFileSync(path.join(broken, "package.json"), JSON.stringify({ name: "@effect/ai", type: "module", exports: { "./*": "./broken.js" } }))
    fs.writeFileSync(path.join(broken, "broken.js"), `throw new Error("this @effect/ai is broken")`)
    const other = ok(await node("--input-type=module", "-e", caught), "import effect-breaker/ai with a broken @effect/ai")
    expect(other.stdout.trim()).toBe("undefined this @effect/ai is broken")

    // with @effect/ai: require() of the subpath (Node's require of ES modules, which refuses top-level await) still loads it
    if ((process.features as { require_module?: boolean }).require_module === true) {
      const required = ok(
        await run("node", ["-e", `console.log(typeof require("effect-breaker/ai").LanguageModelBreaker.layer)`], { cwd: installed.dir }),
        "require effect-breaker/ai"
      )
      expect(required.stdout.trim()).toBe("function")
    }
  }, 60_000)
})
