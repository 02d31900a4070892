/**
 * The fleet store's two Redis connections (commands, pub/sub) over ioredis 5,
 * with the Lua scripts defined on the command connection.
 *
 * Our connections never queue commands while disconnected
 * (`enableOfflineQueue: false`) and time out a command after
 * `commandTimeoutMs`: a breaker must fail over to its `onStoreError` policy at
 * once, never wait for Redis. ioredis reconnects by itself (`retryStrategy`,
 * capped at 1 s between attempts) and resubscribes the pub/sub connection.
 *
 * @internal
 */
import type { Redis, RedisOptions } from "ioredis"
import { REDACTED } from "../secrets.js"
import * as gateScripts from "./gateScripts.js"
import * as scripts from "./scripts.js"

/** @internal */
export type ScriptName =
  | "ebFlush"
  | "ebAdmit"
  | "ebProbe"
  | "ebManual"
  | "ebRead"
  | "ebExport"
  | "ebSeed"
  | "ebGateClose"
  | "ebGateOpen"
  | "ebGateRead"

/** Where to connect: an ioredis client to copy (duplicate), a URL, or ioredis options. @internal */
export interface ConnectOptions {
  readonly client?: Redis | undefined
  readonly url?: string | undefined
  readonly redis?: RedisOptions | undefined
  readonly commandTimeoutMs: number
}

/** @internal */
export interface Connection {
  readonly command: Redis
  readonly subscriber: Redis
  readonly run: (script: ScriptName, key: string, args: ReadonlyArray<string | number>) => Promise<unknown>
  readonly ready: () => boolean
  readonly quit: () => Promise<void>
}

const overrides = (commandTimeoutMs: number): RedisOptions => ({
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: commandTimeoutMs,
  connectTimeout: Math.max(commandTimeoutMs, 1_000),
  retryStrategy: (times: number) => Math.min(50 * times, 1_000)
})

/** ioredis's client class: loaded when the layer is built (an optional peer), see `layer.ts`. @internal */
export type RedisClass = typeof import("ioredis").Redis

const makeClient = (RedisClient: RedisClass, options: ConnectOptions, extra: RedisOptions): Redis => {
  const o = { ...overrides(options.commandTimeoutMs), ...extra }
  if (options.client !== undefined) return options.client.duplicate(o)
  if (options.url !== undefined) return new RedisClient(options.url, { ...options.redis, ...o })
  return new RedisClient({ ...options.redis, ...o })
}

/** The methods `define` adds to a client. */
type Scripted = Record<ScriptName, (...a: Array<unknown>) => Promise<unknown>>

const define = (redis: Redis): void => {
  const table: Record<ScriptName, string> = {
    ebFlush: scripts.flush,
    ebAdmit: scripts.admit,
    ebProbe: scripts.probe,
    ebManual: scripts.manual,
    ebRead: scripts.read,
    ebExport: scripts.exportWindows,
    ebSeed: scripts.seed,
    ebGateClose: gateScripts.gateClose,
    ebGateOpen: gateScripts.gateOpen,
    ebGateRead: gateScripts.gateRead
  }
  for (const [name, lua] of Object.entries(table)) redis.defineCommand(name, { numberOfKeys: 1, lua })
}

/**
 * Makes both connections (not yet connected: `connect` does). Errors are
 * reported through `onError`, never thrown: an `error` event with no listener
 * would crash the process.
 *
 * @internal
 */
export const make = (
  RedisClient: RedisClass,
  options: ConnectOptions,
  channels: ReadonlyArray<string>,
  handlers: {
    readonly onReady: () => void
    readonly onDown: (reason: string) => void
    readonly onMessage: (channel: string, message: string) => void
  }
): Connection => {
  const command = makeClient(RedisClient, options, {})
  // The subscriber may queue its SUBSCRIBE until connected: it sends nothing else.
  const subscriber = makeClient(RedisClient, options, { enableOfflineQueue: true, autoResubscribe: false, commandTimeout: undefined })
  define(command)
  subscriber.on("ready", () => {
    subscriber.subscribe(...channels).catch(() => {})
  })
  let lastError = "connection closed"
  command.on("error", (e: Error) => (lastError = e.message))
  subscriber.on("error", () => {})
  command.on("ready", handlers.onReady)
  command.on("close", () => handlers.onDown(lastError))
  subscriber.on("message", handlers.onMessage)
  return {
    command,
    subscriber,
    // Cast: `define` adds each Lua script to the client as a method (ioredis `defineCommand`) at run time, by name;
    // ioredis types such methods only by augmenting its module, which would add them to every user's `Redis` type
    run: (script, key, args) => (command as Redis & Scripted)[script](key, ...args),
    ready: () => command.status === "ready",
    quit: async () => {
      await Promise.allSettled([command.quit(), subscriber.quit()])
      command.disconnect()
      subscriber.disconnect()
    }
  }
}

/** Connects both clients, waiting at most `timeoutMs`; resolves false (and keeps reconnecting) if Redis does not answer. @internal */
export const connect = async (connection: Connection, timeoutMs: number): Promise<boolean> => {
  const attempt = Promise.all([connection.command.connect(), connection.subscriber.connect()]).then(() => true, () => false)
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
  const ok = await Promise.race([attempt, timeout])
  clearTimeout(timer)
  if (!ok) {
    // A failed first connect does not always schedule a reconnect: make sure one runs.
    for (const c of [connection.command, connection.subscriber]) {
      if (c.status === "wait" || c.status === "end") c.connect().catch(() => {})
    }
  }
  return ok
}

/**
 * What a Redis error says, without anything secret: ioredis messages can carry
 * the host and port but never the password; a URL given by the user is never
 * included.
 *
 * @internal
 */
export const describe = (e: unknown): string => {
  const message = e instanceof Error ? e.message : String(e)
  return message.replace(/redis(s)?:\/\/[^\s]*/g, `redis://${REDACTED}`)
}
