/**
 * A throwaway `redis-server` for tests, benchmarks and demos: started on a
 * free loopback port with persistence off, stopped by its pid when the scope
 * closes, and able to be killed and restarted mid-run (on the same port) to
 * rehearse a Redis outage.
 *
 * **Details**
 *
 * - Needs the `redis-server` binary (Redis 6 or 7) on the `PATH`, or its path
 *   in `options.binary` / `REDIS_SERVER`. When it is missing, `make` fails with
 *   {@link RedisServerError} whose message says how to install it; nothing is
 *   skipped silently.
 * - Runs `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no`: no
 *   file is written, and a restart starts empty (what a failover to an empty
 *   replica looks like).
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { RedisServer } from "effect-breaker/testing"
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* RedisServer.make()
 *   return server.url // "redis://127.0.0.1:<port>"
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Net from "node:net"

/**
 * @since 0.2.0
 * @category errors
 */
export class RedisServerError extends Data.TaggedError("RedisServerError")<{ readonly message: string }> {}

/**
 * @since 0.2.0
 * @category models
 */
export interface RedisServer {
  readonly host: "127.0.0.1"
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** The pid of the running server process, or undefined while it is down. */
  readonly pid: () => number | undefined
  /** Kills the server (SIGKILL: no goodbye to clients), and waits until it has exited. */
  readonly kill: Effect.Effect<void>
  /** Starts it again on the same port (empty), and waits until it answers PING. */
  readonly restart: Effect.Effect<void, RedisServerError>
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The binary. Default: `$REDIS_SERVER`, else `redis-server` from the PATH. */
  readonly binary?: string | undefined
  /** How long to wait for the server to answer PING. Default 10 seconds. */
  readonly startTimeoutMs?: number | undefined
}

/**
 * How to get a redis-server, for error messages and command-line hints.
 *
 * @since 0.2.0
 * @category constants
 */
export const installHint =
  "install Redis 7 (Debian/Ubuntu: `sudo apt-get install -y redis-server`; macOS: `brew install redis`; " +
  "or set REDIS_SERVER to the binary's path; .ci/run installs it on CI)"

/**
 * Whether a redis-server binary can be run here.
 *
 * @since 0.2.0
 * @category constructors
 */
export const available = (options: Options = {}): boolean => {
  const r = ChildProcess.spawnSync(binaryOf(options), ["--version"], { stdio: "ignore" })
  return r.error === undefined && r.status === 0
}

const binaryOf = (options: Options): string => options.binary ?? process.env["REDIS_SERVER"] ?? "redis-server"

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as Net.AddressInfo
      server.close(() => resolve(address.port))
    })
  })

const ping = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    let answer = ""
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once("error", () => done(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.on("data", (d) => {
      answer += d.toString()
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"))
    })
  })

const spawnServer = (binary: string, port: number): ChildProcess.ChildProcess =>
  ChildProcess.spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
    { stdio: ["ignore", "ignore", "pipe"] }
  )

const waitUntilUp = async (child: ChildProcess.ChildProcess, port: number, timeoutMs: number): Promise<void> => {
  let exited: string | undefined
  let stderr = ""
  child.stderr?.on("data", (d) => (stderr += d.toString()))
  child.once("exit", (code, signal) => (exited = `exited with ${code ?? signal}`))
  child.once("error", (e) => (exited = e.message))
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`redis-server ${exited}${stderr ? `: ${stderr.trim()}` : ""}`)
    if (await ping(port)) return
    await new Promise((r) => setTimeout(r, 20))
  }
  child.kill("SIGKILL")
  throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within ${timeoutMs} ms`)
}

const stop = (child: ChildProcess.ChildProcess | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })

/**
 * Starts a redis-server on a free loopback port for the lifetime of the scope.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RedisServer, RedisServerError, Scope.Scope> => {
  const binary = binaryOf(options)
  const timeoutMs = options.startTimeoutMs ?? 10_000
  const start = (port: number) =>
    Effect.tryPromise({
      try: async () => {
        const child = spawnServer(binary, port)
        await waitUntilUp(child, port, timeoutMs)
        return child
      },
      catch: (e) => new RedisServerError({ message: `could not start redis-server: ${(e as Error).message}` })
    })
  return Effect.gen(function*() {
    if (!available(options)) {
      return yield* new RedisServerError({ message: `redis-server (${binary}) was not found: ${installHint}` })
    }
    const port = yield* Effect.promise(freePort)
    let child: ChildProcess.ChildProcess | undefined = yield* start(port)
    yield* Effect.addFinalizer(() => Effect.promise(() => stop(child)))
    const server: RedisServer = {
      host: "127.0.0.1",
      port,
      url: `redis://127.0.0.1:${port}`,
      pid: () => child?.exitCode === null && child.signalCode === null ? child.pid : undefined,
      kill: Effect.promise(async () => {
        const c = child
        child = undefined
        await stop(c)
      }),
      restart: Effect.suspend(() =>
        child !== undefined ? Effect.void : Effect.map(start(port), (c) => {
          child = c
        })
      )
    }
    return server
  })
}
