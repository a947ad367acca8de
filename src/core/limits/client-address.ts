/**
 * Which client a request comes from, for per-address limits: the socket's peer, or — only when the service is
 * told it sits behind a proxy (`CLIENT_IP_HEADER`) — the last address that proxy appended to its header.
 *
 * Addresses are parsed, not taken as text, so one client has one key however it is written: a port is stripped
 * (`203.0.113.7:51234`, `[2001:db8::1]:443`), IPv4-mapped IPv6 in any spelling (`::ffff:1.2.3.4`,
 * `::ffff:0102:0304`, `0:0:0:0:0:ffff:…`) is read as IPv4, and IPv6 clients are grouped by /64 (one host usually
 * holds a whole /64). A header value that is no address (garbage, an empty entry, `unknown`) counts against the
 * peer — the proxy itself — so varying garbage buys no budget, and the caller is told (`unusable`) so it can be
 * counted where an operator sees it.
 */

/** A parsed address: 4 bytes (IPv4, mapped IPv6 included) or 16 (IPv6). */
export type AddressBytes = Uint8Array;

/** The address a request counts against (`key`), and whether a configured proxy header held no usable address. */
export interface ClientOf {
  /** `203.0.113.7`, or an IPv6 /64 as `2001:db8:0:1::/64`; `null` when nothing usable is known. */
  key: string | null;
  /** The proxy header was set but its last entry was no address: `key` is the peer's. */
  unusable: boolean;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

function parseV4(text: string): AddressBytes | null {
  if (!V4.test(text)) return null;
  return Uint8Array.from(text.split(".").map(Number));
}

/** 16 bytes of an IPv6 address written without brackets, port or zone (a dotted-quad tail allowed). */
function parseV6(text: string): AddressBytes | null {
  if (text.length > 45 || !text.includes(":")) return null;
  let tail: AddressBytes | null = null;
  let body = text;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tail = parseV4(text.slice(lastColon + 1));
    if (tail === null) return null;
    body = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const part = (s: string) => (s === "" ? [] : s.split(":"));
  const left = part(halves[0]!);
  const right = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!HEX_GROUP.test(g)) return null;
    const n = parseInt(g, 16);
    bytes[2 * i] = n >> 8;
    bytes[2 * i + 1] = n & 0xff;
  }
  if (tail !== null) bytes.set(tail, 12);
  return bytes;
}

/**
 * Parses one address as a client or proxy writes it: IPv4 with or without `:port`, IPv6 bare, with a zone
 * (`%eth0`), or bracketed with or without `:port`. IPv4-mapped IPv6 comes back as IPv4 (4 bytes).
 * @returns the bytes, or `null` when the text is no address.
 */
export function parseAddress(raw: string): AddressBytes | null {
  let text = raw.trim();
  if (text.length === 0 || text.length > 64) return null;
  const bracketed = /^\[([^\]]*)\](?::(\d{1,5}))?$/.exec(text);
  const port = bracketed ? bracketed[2] : /^[\d.]+:(\d{1,5})$/.exec(text)?.[1];
  if (port !== undefined && Number(port) > 65535) return null;
  if (bracketed) text = bracketed[1]!;
  else if (port !== undefined) text = text.slice(0, text.indexOf(":"));
  text = text.split("%")[0]!;
  const v4 = parseV4(text);
  if (v4 !== null) return v4;
  const v6 = parseV6(text);
  if (v6 === null) return null;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

/** The key of parsed bytes: dotted IPv4, or the /64 of IPv6 (`2001:db8:0:1::/64`). */
export function addressKey(bytes: AddressBytes): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 4; i++) groups.push(((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return `${groups.join(":")}::/64`;
}

/** The bytes a key stands for (an IPv6 key: its /64's first address), for range checks; `null` if no key. */
export function keyBytes(key: string): AddressBytes | null {
  return parseAddress(key.endsWith("::/64") ? key.slice(0, -3) : key);
}

/**
 * The client of a request.
 * @param peer the socket's remote address.
 * @param proxyHeader the value of `CLIENT_IP_HEADER` when it is configured (its last entry counts).
 */
export function clientOf(peer: string | null | undefined, proxyHeader?: string | null): ClientOf {
  const fromPeer = peer ? parseAddress(peer) : null;
  const peerKey = fromPeer === null ? null : addressKey(fromPeer);
  if (proxyHeader === undefined || proxyHeader === null) return { key: peerKey, unusable: false };
  // `X-Forwarded-For: client, proxy1, proxy2`: the entry the trusted proxy appended is the last one.
  const last = proxyHeader.slice(proxyHeader.lastIndexOf(",") + 1);
  const named = parseAddress(last);
  return named === null ? { key: peerKey, unusable: true } : { key: addressKey(named), unusable: false };
}

/** The address a request counts against (see {@link clientOf}), or `null` when nothing usable is known. */
export function clientAddress(peer: string | null | undefined, proxyHeader?: string | null): string | null {
  return clientOf(peer, proxyHeader).key;
}
