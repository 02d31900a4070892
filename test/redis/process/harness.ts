/**
 * The parent's side of the multi-process Redis tests: starts replica processes
 * (`node --import tsx <script>`, each its own Node runtime, Effect runtime,
 * clock, Redis connections and mirror) and talks to them over Node's IPC
 * channel, one request and one reply at a time per process (`serve.ts` is the
 * child's side). Processes stay alive across the rounds of a test; `stopAll`
 * (in `afterAll`) kills whatever is left, also after a failure.
 */
import { afterAll, beforeAll } from "@effect/vitest"
import type { RedisServer } from "effect-breaker/testing"
import { type ChildProcess, fork } from "node:child_process"
import { startServer } from "../support.js"

export interface Replica {
  readonly child: ChildProcess
  /** Sends a request; resolves with the reply, rejects on the child's error, its exit, or after `timeoutMs`. */
  readonly request: <A = unknown>(message: { readonly op: string; readonly [k: string]: unknown }, timeoutMs?: number) => Promise<A>
  /** Stops the process (asks it to close its scope, then kills it if it has not exited within `graceMs`). */
  readonly stop: (graceMs?: number) => Promise<void>
}

const live = new Set<ChildProcess>()

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null

/** Starts one replica process and waits until it says it is ready (its store connected, its breaker made). */
export const start = (script: string, args: ReadonlyArray<string>, readyTimeoutMs = 30_000): Promise<Replica> => {
  const child = fork(script, [...args], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "pipe", "pipe", "ipc"]
  })
  live.add(child)
  // what the child printed (logs), for the error message when it fails
  let output = ""
  const keep = (d: unknown) => {
    output = (output + String(d)).slice(-4_000)
  }
  child.stdout!.on("data", keep)
  child.stderr!.on("data", keep)
  let nextId = 0
  const pending = new Map<number, { resolve: (a: any) => void; reject: (e: Error) => void }>()
  let onReady: { resolve: () => void; reject: (e: Error) => void } | undefined
  const failAll = (why: string) => {
    const e = new Error(`replica ${child.pid} ${why}\n${output}`)
    onReady?.reject(e)
    for (const p of pending.values()) p.reject(e)
    pending.clear()
  }
  child.on("message", (m: any) => {
    if (m?.ready === true) return onReady?.resolve()
    const p = pending.get(m?.id)
    if (p === undefined) return
    pending.delete(m.id)
    if ("error" in m) p.reject(new Error(`replica ${child.pid}: ${m.error}`))
    else p.resolve(m.ok)
  })
  child.on("exit", (code, signal) => {
    live.delete(child)
    failAll(`exited (${signal ?? code})`)
  })
  child.on("error", (e) => failAll(`failed: ${e.message}`))

  const request = <A>(message: { readonly op: string }, timeoutMs = 20_000): Promise<A> =>
    new Promise<A>((resolve, reject) => {
      if (exited(child)) return reject(new Error(`replica ${child.pid} has exited\n${output}`))
      const id = nextId++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`replica ${child.pid}: no reply to ${JSON.stringify(message)} within ${timeoutMs} ms\n${output}`))
      }, timeoutMs)
      pending.set(id, {
        resolve: (a) => (clearTimeout(timer), resolve(a)),
        reject: (e) => (clearTimeout(timer), reject(e))
      })
      child.send({ ...message, id })
    })

  const stop = (graceMs = 5_000) =>
    new Promise<void>((resolve) => {
      if (exited(child)) return resolve()
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
      child.once("exit", () => (clearTimeout(timer), resolve()))
      if (child.connected) child.send({ op: "exit" })
      else child.kill("SIGKILL")
    })

  return new Promise<Replica>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`replica ${child.pid} not ready within ${readyTimeoutMs} ms\n${output}`))
    }, readyTimeoutMs)
    onReady = {
      resolve: () => (clearTimeout(timer), resolve({ child, request, stop })),
      reject: (e) => (clearTimeout(timer), reject(e))
    }
  })
}

/** Starts `n` replicas side by side; if one fails to start, the others are stopped. */
export const startAll = async (
  n: number,
  script: string,
  argsOf: (i: number) => ReadonlyArray<string>
): Promise<Array<Replica>> => {
  const started = await Promise.allSettled(Array.from({ length: n }, (_, i) => start(script, argsOf(i))))
  const ok = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []))
  const failed = started.find((s) => s.status === "rejected")
  if (failed !== undefined) {
    await Promise.all(ok.map((r) => r.stop(1_000)))
    throw (failed as PromiseRejectedResult).reason
  }
  return ok
}

/** Kills every replica process still running (for `afterAll`, so nothing outlives the file, also after a failure). */
export const stopAll = async (): Promise<void> => {
  await Promise.all([...live].map((child) =>
    new Promise<void>((resolve) => {
      if (exited(child)) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGKILL")
    })
  ))
}

/**
 * For the calling test file: a redis-server started before its tests, and after them every replica process stopped and
 * the server closed (also after a failure). `url()` is the server's, once it runs.
 */
export const useRedisServer = (): { readonly url: () => string } => {
  let server: RedisServer.RedisServer | undefined
  let close: (() => Promise<void>) | undefined
  beforeAll(async () => {
    ;({ server, close } = await startServer())
  })
  afterAll(async () => {
    await stopAll()
    await close?.()
  })
  return { url: () => server!.url }
}
