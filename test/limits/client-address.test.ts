/**
 * Client addresses as proxies and sockets write them, and the address ranges of shared fetchers: one client has
 * one key however its address is spelled, and a range check cannot be met by anything but an address inside it.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config.ts";
import { RangeSet, parseRange } from "../../src/core/limits/address-ranges.ts";
import { clientAddress, clientOf, keyBytes, parseAddress } from "../../src/core/limits/client-address.ts";
import { SHARED_FETCHERS } from "../../src/core/limits/shared-fetchers.ts";

const viaProxy = (value: string) => clientOf("10.0.0.1", value);

describe("client addresses", () => {
  it("strips the port of an IPv4 address and of a bracketed IPv6 address", () => {
    expect(viaProxy("203.0.113.7:51234").key).toBe("203.0.113.7");
    expect(viaProxy("[2001:db8::1]:443").key).toBe("2001:db8:0:0::/64");
    expect(viaProxy("[2001:db8::1]").key).toBe("2001:db8:0:0::/64");
  });

  it("reads IPv4-mapped IPv6 in any spelling as IPv4", () => {
    for (const v of [
      "::ffff:1.2.3.4",
      "::ffff:0102:0304",
      "::FFFF:102:304",
      "0:0:0:0:0:ffff:1.2.3.4",
      "0:0:0:0:0:ffff:0102:0304",
      "0000:0000:0000:0000:0000:ffff:0102:0304",
      "[::ffff:1.2.3.4]:8443",
    ]) {
      expect(viaProxy(v).key, v).toBe("1.2.3.4");
    }
    // Only ::ffff:0:0/96 is mapped: the IPv4-compatible and NAT64 forms are other IPv6 addresses.
    expect(viaProxy("::1.2.3.4").key).toBe("0:0:0:0::/64");
    expect(viaProxy("64:ff9b::1.2.3.4").key).toBe("64:ff9b:0:0::/64");
  });

  it("groups IPv6 by /64, with zones and any spelling of the same prefix", () => {
    const key = "2001:db8:0:1::/64";
    for (const v of ["2001:db8:0:1::1", "2001:DB8:0:1:ffff:ffff:ffff:ffff", "2001:0db8:0000:0001::9%eth0"]) {
      expect(viaProxy(v).key, v).toBe(key);
    }
  });

  it("the last entry of a list counts, with spaces around it", () => {
    expect(viaProxy("198.51.100.1, 203.0.113.9 ").key).toBe("203.0.113.9");
    expect(viaProxy("198.51.100.1,[2001:db8::5]:1").key).toBe("2001:db8:0:0::/64");
  });

  it("garbage falls back to the peer and says so; an absent header is no garbage", () => {
    for (const v of [
      "",
      " ",
      "unknown",
      "999.1.1.1",
      "1.2.3",
      "1.2.3.4.5",
      "::ffff:1.2.3",
      "1:2:3:4:5:6:7:8:9",
      "[::1",
      "a::b::c",
      "x".repeat(100),
      "1.2.3.4:99999",
    ]) {
      expect(viaProxy(v), JSON.stringify(v)).toEqual({ key: "10.0.0.1", unusable: true });
    }
    expect(clientOf("10.0.0.1", null)).toEqual({ key: "10.0.0.1", unusable: false });
    expect(clientAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(clientAddress(null)).toBeNull();
  });

  it("a key gives back bytes a range can be checked against", () => {
    expect([...keyBytes("2001:db8:0:1::/64")!]).toEqual([...parseAddress("2001:db8:0:1::")!]);
    expect([...keyBytes("1.2.3.4")!]).toEqual([1, 2, 3, 4]);
  });
});

describe("address ranges", () => {
  it("matches inside a range and nowhere else", () => {
    const set = new RangeSet(["66.249.64.0/19", "2001:4860:4801::/48", "17.0.0.0/8", "::ffff:10.0.0.0/104"]);
    expect(set.has(parseAddress("66.249.66.1")!)).toBe(true);
    expect(set.has(parseAddress("66.249.96.1")!)).toBe(false);
    expect(set.has(parseAddress("17.58.1.2")!)).toBe(true);
    expect(set.has(parseAddress("18.0.0.1")!)).toBe(false);
    expect(set.has(parseAddress("10.1.2.3")!)).toBe(true);
    expect(set.has(keyBytes("2001:4860:4801:10::/64")!)).toBe(true);
    expect(set.has(keyBytes("2001:4860:4802:10::/64")!)).toBe(false);
  });

  it("refuses what is not a range", () => {
    for (const r of [
      "66.249.64.0/33",
      "1.2.3.4/",
      "nope/8",
      "2001:db8::/129",
      "1.2.3.4/8/9",
      "[2001:db8::]/32",
    ]) {
      expect(parseRange(r), r).toBeNull();
    }
    expect(() => new RangeSet(["1.2.3.0/24", "bad"])).toThrow(/not an address range: "bad"/);
  });

  it("every built-in shared-fetcher range parses and names its source", () => {
    for (const f of SHARED_FETCHERS) {
      expect(f.source.length).toBeGreaterThan(20);
      for (const r of f.ranges) expect(parseRange(r), r).not.toBeNull();
    }
  });

  it("SHARED_FETCHER_RANGES wider than any fetcher's (an IPv4 /8, an IPv6 /19) is refused with one line naming it", () => {
    for (const wide of [
      "0.0.0.0/0",
      "::/0",
      "10.0.0.0/7",
      "2000::/3",
      "::ffff:0.0.0.0/96",
      "127.8.0.0/16, 0.0.0.0/1",
    ]) {
      expect(() => parseConfig({ SHARED_FETCHER_RANGES: wide }), wide).toThrow(
        /^`SHARED_FETCHER_RANGES`: "[^"]+" is wider than any shared fetcher's range \(at most an IPv4 \/8 or an IPv6 \/19\)[^\n]*$/,
      );
    }
    // The widest real ranges still pass.
    const widest = parseConfig({ SHARED_FETCHER_RANGES: "17.0.0.0/8, 2003::/19" }).limits.sharedFetcherRanges;
    expect(widest).toContain("2003::/19");
  });

  it("SHARED_FETCHER_RANGES is validated and added to the built-in list; SHARED_FETCHER_BUILTIN=off drops it", () => {
    const added = parseConfig({ SHARED_FETCHER_RANGES: "127.8.0.0/16, 2001:db8::/32" }).limits;
    expect(added.sharedFetcherRanges).toContain("127.8.0.0/16");
    expect(added.sharedFetcherRanges).toContain("17.0.0.0/8");
    const only = parseConfig({ SHARED_FETCHER_RANGES: "127.8.0.0/16", SHARED_FETCHER_BUILTIN: "off" }).limits;
    expect(only.sharedFetcherRanges).toEqual(["127.8.0.0/16"]);
    expect(() => parseConfig({ SHARED_FETCHER_RANGES: "127.8.0.0/16, google" })).toThrow(
      /`SHARED_FETCHER_RANGES` must be address ranges.*"google" is not one/,
    );
    expect(() => parseConfig({ LIMIT_SHARED_FETCHER_FACTOR: "0" })).toThrow(/LIMIT_SHARED_FETCHER_FACTOR/);
    expect(() => parseConfig({ SHARED_FETCHER_BUILTIN: "maybe" })).toThrow(/SHARED_FETCHER_BUILTIN/);
  });
});
