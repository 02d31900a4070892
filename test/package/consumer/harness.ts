/**
 * The consumer test's machinery: pack the repository as `npm pack` does, install
 * the tarball into a scratch project as a user would (`npm install <tarball>
 * effect` plus the optional peers), cache that install between runs, and run
 * commands in it. Plain Node (child processes, the file system), no Effect:
 * this drives what a user runs.
 */
import { spawn } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export const repoRoot = path.resolve(import.meta.dirname, "../../..")
export const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"))

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

/**
 * Runs a command to completion (no shell), killed after a hard timeout.
 * Asynchronous, so the test worker keeps answering vitest while it runs.
 */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: Record<string, string>; readonly timeoutMs?: number }
): Promise<Ran> =>
  new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false", ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      stderr += `\nkilled after ${options.timeoutMs ?? 300_000} ms`
      child.kill("SIGKILL")
    }, options.timeoutMs ?? 300_000)
    child.on("error", (e) => (stderr += `\n${String(e)}`))
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: performance.now() - started })
    })
  })

/**
 * Fails with the command's output when it did not exit with `code` (0 unless
 * given). The output is also printed on stderr, in full: a CI log then shows
 * why (a test runner may shorten a long error message).
 */
export const exited = (ran: Ran, what: string, code = 0): Ran => {
  if (ran.code !== code) {
    const report = `${what} exited ${ran.code} (expected ${code}) after ${(ran.ms / 1000).toFixed(1)} s\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`
    console.error(report)
    throw new Error(report)
  }
  return ran
}

/** Fails with the command's output when it did not exit 0. */
export const ok = (ran: Ran, what: string): Ran => exited(ran, what, 0)

const sha256 = (data: string | Buffer): string => crypto.createHash("sha256").update(data).digest("hex")

export interface Packed {
  readonly file: string
  readonly bytes: number
  readonly sha: string
  readonly files: ReadonlyArray<string>
  readonly ms: number
}

/** `npm pack` (its `prepack` builds `dist` from a clean slate) into a fresh folder. */
export const pack = async (): Promise<Packed> => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "effect-breaker-pack-"))
  const ran = ok(await run("npm", ["pack", "--json", "--pack-destination", out], { cwd: repoRoot }), "npm pack")
  const info = JSON.parse(ran.stdout.slice(ran.stdout.indexOf("[")))[0]
  const file = path.join(out, info.filename)
  return { file, bytes: fs.statSync(file).size, sha: sha256(fs.readFileSync(file)), files: info.files.map((f: any) => f.path), ms: ran.ms }
}

/**
 * What the consumer installs besides the tarball: `effect`, every optional
 * peer, the @effect/ai providers and the OTel packages `@effect/opentelemetry`
 * peers, at the versions the repository is developed against. The required
 * peers (`@effect/platform`, `@effect/platform-node`) are left out on purpose:
 * npm must bring them.
 */
export const consumerDependencies = (): Record<string, string> => {
  const dev: Record<string, string> = manifest.devDependencies
  const names = [
    "effect",
    ...Object.keys(manifest.peerDependenciesMeta ?? {}),
    "@effect/ai-openai",
    "@effect/ai-anthropic",
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/sdk-logs",
    "@opentelemetry/semantic-conventions"
  ]
  const out: Record<string, string> = {}
  for (const name of names.sort()) {
    const version = dev[name]
    if (version === undefined) throw new Error(`${name} has no devDependency version to install the consumer with`)
    out[name] = version.replace(/^\^/, "")
  }
  return out
}

export interface Installed {
  readonly dir: string
  readonly ms: number
  /** The install was reused: same dependencies and the same tarball as last time. */
  readonly cached: boolean
}

const lock = async (dir: string): Promise<() => void> => {
  const lockDir = `${dir}.lock`
  const deadline = Date.now() + 10 * 60_000
  for (;;) {
    try {
      fs.mkdirSync(lockDir)
      return () => fs.rmSync(lockDir, { recursive: true, force: true })
    } catch {
      // another run installs into the same folder: wait for it (a stale lock is taken after 10 minutes)
      const age = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > 10 * 60_000 || Date.now() > deadline) fs.rmSync(lockDir, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
}

/**
 * Installs `tarball` with `deps` (default: the consumer dependencies) into a
 * scratch project, cached under the OS temp folder by the hash of the
 * dependency list and of the checkout's path: a run with the same tarball
 * reuses it as is; a new tarball reinstalls only the package. Two checkouts
 * testing at once (a clone beside the working copy) get separate projects, so
 * one never swaps the tarball under the other's running checks.
 */
export const install = async (packed: Packed, deps: Record<string, string> = consumerDependencies()): Promise<Installed> => {
  const key = sha256(JSON.stringify({ deps, node: process.versions.node.split(".")[0], root: repoRoot, v: 2 })).slice(0, 16)
  const dir = path.join(os.tmpdir(), "effect-breaker-consumer", key)
  fs.mkdirSync(path.dirname(dir), { recursive: true })
  const unlock = await lock(dir)
  try {
    const stamp = path.join(dir, ".tarball-sha256")
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === packed.sha) return { dir, ms: 0, cached: true }
    fs.mkdirSync(dir, { recursive: true })
    fs.rmSync(stamp, { force: true })
    if (!fs.existsSync(path.join(dir, "package.json"))) {
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2))
    }
    for (const f of fs.readdirSync(dir)) if (f.endsWith(".tgz")) fs.rmSync(path.join(dir, f))
    const tgz = `effect-breaker-${packed.sha.slice(0, 12)}.tgz`
    fs.copyFileSync(packed.file, path.join(dir, tgz))
    const ran = ok(
      await run("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--loglevel=error",
        `./${tgz}`,
        ...Object.entries(deps).map(([name, version]) => `${name}@${version}`)
      ], { cwd: dir, timeoutMs: 600_000 }),
      "npm install (consumer)"
    )
    fs.writeFileSync(stamp, packed.sha)
    return { dir, ms: ran.ms, cached: false }
  } finally {
    unlock()
  }
}

/** The packages (`node_modules/<name>`) among the module URLs a `graph.mjs` run recorded. */
export const packagesIn = (urls: ReadonlyArray<string>): ReadonlySet<string> => {
  const out = new Set<string>()
  for (const url of urls) {
    const m = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
    if (m !== null) out.add(m[1]!)
  }
  return out
}

/**
 * A copy of the consumer project without some packages: its `node_modules`
 * holds symlinks to the installed packages except `omit`. Run node in it with
 * `--preserve-symlinks` so modules resolve from the copy.
 */
export const withoutPackages = (installed: string, omit: ReadonlyArray<string>, name: string): string => {
  const dir = `${installed}-${name}`
  fs.rmSync(dir, { recursive: true, force: true })
  const from = path.join(installed, "node_modules")
  const to = path.join(dir, "node_modules")
  fs.mkdirSync(to, { recursive: true })
  for (const entry of fs.readdirSync(from)) {
    if (entry.startsWith(".")) continue
    if (entry.startsWith("@")) {
      fs.mkdirSync(path.join(to, entry))
      for (const sub of fs.readdirSync(path.join(from, entry))) {
        if (!omit.includes(`${entry}/${sub}`)) fs.symlinkSync(path.join(from, entry, sub), path.join(to, entry, sub))
      }
    } else if (!omit.includes(entry)) fs.symlinkSync(path.join(from, entry), path.join(to, entry))
  }
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer-without", private: true, type: "module" }))
  return dir
}
