import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { program } from "../../examples/quick-start.js"

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8")

describe("README", () => {
  it("quotes examples/quick-start.ts verbatim, so the README's code is type-checked", () => {
    const readme = read("README.md")
    const block = /<!-- example:quick-start -->\n```ts\n([\s\S]*?)```\n<!-- \/example:quick-start -->/.exec(readme)
    assert.isNotNull(block, "the README has the quick-start block")
    assert.strictEqual(block![1], read("examples/quick-start.ts"))
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
