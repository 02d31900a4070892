import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { program } from "../../examples/quick-start.js"

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8")

describe("README", () => {
  it("quotes its examples verbatim from examples/, so the README's code is type-checked and tested", () => {
    const readme = read("README.md")
    const blocks = [...readme.matchAll(/<!-- example:([\w-]+) -->\n```ts\n([\s\S]*?)```\n<!-- \/example:\1 -->/g)]
    assert.deepStrictEqual(blocks.map((b) => b[1]), ["quick-start", "llm-policy", "fleet"])
    for (const [, name, code] of blocks) assert.strictEqual(code, read(`examples/${name}.ts`), name)
  })

  it("shows the two Quick start commands", () => {
    const readme = read("README.md")
    assert.include(readme, "npm install && npm start")
    assert.include(readme, "npm test")
  })

  it.effect("the quick-start example answers", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* program, "echo: hello")
    }))
})
