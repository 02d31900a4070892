/**
 * The `**Example**` blocks in the JSDoc of every public module are type-checked
 * as the README's are: each ```ts block is written to `.jsdoc-examples/` (a
 * module of its own, importing `effect-breaker` through the project's paths)
 * and the TypeScript compiler checks them all with the project's settings
 * (unused names allowed: an example may show a value it does not use).
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const outDir = Path.join(root, ".jsdoc-examples")

const publicFiles = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = Path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "internal" ? [] : publicFiles(path)
    return entry.name.endsWith(".ts") ? [path] : []
  })

/** The ```ts blocks inside `/** ... *\/` comments, with the ` * ` prefix removed. */
export const examplesOf = (source: string): Array<string> => {
  const blocks: Array<string> = []
  for (const comment of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const lines = comment[1]!.split("\n").map((l) => l.replace(/^\s*\* ?/, ""))
    let current: Array<string> | undefined
    for (const line of lines) {
      if (current === undefined && line.trim() === "```ts") current = []
      else if (current !== undefined && line.trim() === "```") {
        blocks.push(current.join("\n"))
        current = undefined
      } else if (current !== undefined) current.push(line)
    }
  }
  return blocks
}

describe("JSDoc examples", () => {
  it("the extractor finds a block in a comment and leaves code outside comments alone", () => {
    const source = "/**\n * **Example**\n *\n * ```ts\n * const x = 1\n * ```\n */\nconst y = `\n```ts\nnot this\n```\n`\n"
    assert.deepStrictEqual(examplesOf(source), ["const x = 1"])
  })

  it("every ```ts example in src/ (outside src/internal) type-checks against the public API", () => {
    Fs.rmSync(outDir, { recursive: true, force: true })
    Fs.mkdirSync(outDir, { recursive: true })
    const written: Array<string> = []
    for (const file of publicFiles(Path.join(root, "src"))) {
      const rel = Path.relative(root, file)
      examplesOf(Fs.readFileSync(file, "utf8")).forEach((code, i) => {
        const name = `${rel.replace(/[/\\.]/g, "_")}_${i + 1}.ts`
        Fs.writeFileSync(Path.join(outDir, name), `// from ${rel}, example ${i + 1}\n${code}\nexport {}\n`)
        written.push(name)
      })
    }
    assert.isAtLeast(written.length, 20, "the public modules have examples")
    Fs.writeFileSync(
      Path.join(outDir, "tsconfig.json"),
      JSON.stringify({
        extends: "../tsconfig.json",
        compilerOptions: { noEmit: true, noUnusedLocals: false, noUnusedParameters: false },
        include: ["./*.ts"]
      })
    )
    let output = ""
    try {
      execFileSync(Path.join(root, "node_modules/.bin/tsc"), ["-p", Path.join(outDir, "tsconfig.json")], {
        cwd: root,
        encoding: "utf8",
        stdio: "pipe"
      })
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e)
    }
    assert.strictEqual(output, "", `JSDoc examples that do not type-check:\n${output}`)
  }, 120_000)

  it("every export of a public module (root modules, subpath indexes and the modules they re-export) has @since and @category", () => {
    const src = Path.join(root, "src")
    const files = Fs.readdirSync(src).filter((f) => f.endsWith(".ts")).map((f) => Path.join(src, f))
    for (const dir of Fs.readdirSync(src, { withFileTypes: true })) {
      const index = Path.join(src, dir.name, "index.ts")
      if (!dir.isDirectory() || dir.name === "internal" || !Fs.existsSync(index)) continue
      files.push(index)
      for (const m of Fs.readFileSync(index, "utf8").matchAll(/export \* as \w+ from "\.\/(\w+)\.js"/g)) {
        files.push(Path.join(src, dir.name, `${m[1]}.ts`))
      }
    }
    const missing: Array<string> = []
    for (const file of files) {
      const lines = Fs.readFileSync(file, "utf8").split("\n")
      lines.forEach((line, i) => {
        if (!/^export (const|function|interface|type|class|declare namespace|\* as)/.test(line)) return
        let j = i - 1
        while (j >= 0 && lines[j]!.trim() === "") j--
        let doc = ""
        if (j >= 0 && lines[j]!.trim().endsWith("*/")) {
          let k = j
          while (k >= 0 && !lines[k]!.includes("/**")) k--
          doc = lines.slice(k, j + 1).join("\n")
        }
        if (doc.includes("@internal")) return
        const category = file.endsWith("index.ts") || doc.includes("@category")
        if (!doc.includes("@since") || !category) missing.push(`${Path.relative(root, file)}:${i + 1}: ${line.slice(0, 80)}`)
      })
    }
    assert.isAtLeast(files.length, 20)
    assert.deepStrictEqual(missing, [])
  })

  it("src/index.ts documents every subpath the package exports", () => {
    const index = Fs.readFileSync(Path.join(root, "src/index.ts"), "utf8")
    const pkg = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> }
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== "." && k !== "./package.json")
    assert.isAtLeast(subpaths.length, 7)
    for (const sub of subpaths) assert.include(index, "`effect-breaker/" + sub.slice(2) + "`", sub)
  })
})
