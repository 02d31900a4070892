// A module-resolution hook (node --import ./graph.mjs): appends every module URL the program
// resolves to the file named by EB_GRAPH_OUT, one per line. The consumer test reads it to list
// the packages an import loads (e.g. that `import "effect-breaker"` loads no optional peer).
import { register } from "node:module"

register(
  "data:text/javascript," + encodeURIComponent(`
import { appendFileSync } from "node:fs"
const out = process.env.EB_GRAPH_OUT
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  if (out) appendFileSync(out, resolved.url + "\\n")
  return resolved
}`),
  import.meta.url
)
