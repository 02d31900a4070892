/**
 * Which `Host` headers a server on loopback answers, against DNS rebinding: a
 * web page whose own name is re-pointed at 127.0.0.1 sends that name as Host.
 * Shared by the admin API and the Prometheus endpoint. No dependencies.
 *
 * @internal
 */
/** The hostname of a Host header, lower-cased, without port; IPv6 without brackets. `undefined` when malformed. */
const hostname = (header: string): string | undefined => {
  const value = header.trim().toLowerCase()
  if (value.startsWith("[")) {
    const end = value.indexOf("]")
    if (end === -1) return undefined
    const rest = value.slice(end + 1)
    if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return undefined
    return value.slice(1, end)
  }
  const match = /^([^:\s/@]+)(?::\d{1,5})?$/.exec(value)
  return match?.[1]
}

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const isIpLiteral = (name: string): boolean => IPV4.test(name) || (name.includes(":") && /^[0-9a-f:.]+$/.test(name))

/** The names always answered: the loopback names. @internal */
export const loopbackNames: ReadonlyArray<string> = ["localhost", "localhost.", "127.0.0.1", "::1"]

/** A valid entry of `allowedHosts`: a hostname (letters, digits, `-`, `.`), no port, no scheme. @internal */
export const isHostName = (u: unknown): u is string =>
  typeof u === "string" && u.length > 0 && u.length <= 253 && /^[A-Za-z0-9.-]+$/.test(u) && !/^\.|\.\.|^-/.test(u)

/**
 * Whether a request's Host may be answered: a loopback name, an IP literal (a
 * browser that reached the server by its address cannot be steered there by
 * DNS: rebinding needs a name the attacker controls), or one of `allowed`.
 * A missing Host is refused (browsers always send one).
 *
 * @internal
 */
export const hostCheck = (allowed: ReadonlyArray<string>) => {
  const names = new Set([...loopbackNames, ...allowed.map((n) => n.toLowerCase())])
  return (header: string | undefined): boolean => {
    if (header === undefined) return false
    const name = hostname(header)
    return name !== undefined && (names.has(name) || isIpLiteral(name))
  }
}

