/** Network fixtures shared by the tests that start real servers. */
import { Effect } from "effect"
import * as net from "node:net"

/** A loopback port that was free a moment ago (for a server that must be told its port up front). */
export const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as net.AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})
