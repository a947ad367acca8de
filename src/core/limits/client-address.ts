/**
 * Which client a request comes from, for per-address limits: the socket's peer, or — only when the service is
 * told it sits behind a proxy (`CLIENT_IP_HEADER`) — the last address that proxy appended to its header. IPv6
 * clients are grouped by /64 (one host usually holds a whole /64), IPv4-mapped IPv6 is read as IPv4.
 */

/** The address a request counts against, or `null` when nothing usable is known. */
export function clientAddress(peer: string | null | undefined, proxyHeader?: string | null): string | null {
  let address = peer ?? null;
  if (proxyHeader) {
    // `X-Forwarded-For: client, proxy1, proxy2`: the entry the trusted proxy appended is the last one.
    const last = proxyHeader.split(",").pop()?.trim();
    if (last) address = last;
  }
  if (!address) return null;
  if (address.startsWith("::ffff:") && address.includes(".")) return address.slice(7);
  if (address.includes(":")) return ipv6Prefix(address.replace(/^\[|\]$/g, "").split("%")[0]!);
  return address;
}

/** The /64 prefix of an IPv6 address, written out (`2001:db8:0:1::/64`). */
function ipv6Prefix(address: string): string {
  const [head = "", tail] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (g === "" ? "0" : g.toLowerCase().replace(/^0+(?=.)/, "")))
    .join(":")}::/64`;
}
