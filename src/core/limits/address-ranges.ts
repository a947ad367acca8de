/**
 * CIDR ranges and the check whether an address lies in one: how a shared fetcher (Google's, Apple's or
 * Microsoft's calendar servers) is recognised by where it connects from, which a client cannot simply claim the
 * way it can claim a user agent. Runtime-neutral: bytes and bit masks only.
 */
import { parseAddress, type AddressBytes } from "./client-address.ts";

/** One parsed range: the network's bytes and the prefix length. */
export interface AddressRange {
  bytes: AddressBytes;
  bits: number;
}

/**
 * Parses `a.b.c.d/n` or `ipv6/n` (a bare address is its own /32 or /128).
 * @returns the range, or `null` when the text is not one.
 */
export function parseRange(text: string): AddressRange | null {
  const [address = "", prefix, extra] = text.trim().split("/");
  if (extra !== undefined) return null;
  const bytes = parseAddress(address);
  if (bytes === null || address.includes("[")) return null;
  const max = bytes.length * 8;
  // An IPv4-mapped range (`::ffff:10.0.0.0/104`) is read as the IPv4 range it maps.
  const mappedShift = address.includes(":") && bytes.length === 4 ? 96 : 0;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return null;
  const bits = prefix === undefined ? max : Number(prefix) - mappedShift;
  if (bits < 0 || bits > max) return null;
  return { bytes, bits };
}

/**
 * The shortest prefix a shared fetcher's range may have, by family: no one organisation holds a block wider than an
 * IPv4 /8 (Apple's 17.0.0.0/8, the widest built-in range) or an IPv6 /19, so a wider range is a mistake
 * (`0.0.0.0/0` would give every client a shared fetcher's budgets).
 */
export const WIDEST_FETCHER_PREFIX = { ipv4: 8, ipv6: 19 } as const;

/** Whether `range` is wider than any shared fetcher's could be (see {@link WIDEST_FETCHER_PREFIX}). */
export function tooWideForFetcher(range: AddressRange): boolean {
  return range.bits < (range.bytes.length === 4 ? WIDEST_FETCHER_PREFIX.ipv4 : WIDEST_FETCHER_PREFIX.ipv6);
}

/** Whether `address` lies in `range` (families must match). */
export function inRange(address: AddressBytes, range: AddressRange): boolean {
  if (address.length !== range.bytes.length) return false;
  let bits = range.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

/** A set of ranges, checked in turn (a few dozen: a linear scan costs well under a microsecond). */
export class RangeSet {
  readonly #ranges: readonly AddressRange[];

  /** @throws Error naming the first entry that is not a range. */
  constructor(ranges: readonly string[]) {
    this.#ranges = ranges.map((text) => {
      const range = parseRange(text);
      if (range === null) throw new Error(`not an address range: "${text.slice(0, 80)}"`);
      return range;
    });
  }

  get size(): number {
    return this.#ranges.length;
  }

  /** Whether the address lies in any range. */
  has(address: AddressBytes): boolean {
    return this.#ranges.some((r) => inRange(address, r));
  }
}
