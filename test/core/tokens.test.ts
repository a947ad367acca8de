import { describe, expect, it } from "vitest";
import { fromBase64Url, sha256Hex } from "../../src/core/digest.ts";
import { createFeedTokens, webTokenCrypto } from "../../src/core/tokens.ts";
import type { TokenSubject } from "../../src/core/tokens.ts";

const secret = new Uint8Array(32).map((_, i) => i + 1);
const subject: TokenSubject = { kind: "person", org: "stmarys", id: "p1001", version: 1 };

/** Replaces the character at `i` with the next one in the base64url alphabet. */
function mutate(token: string, i: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const next = alphabet[(alphabet.indexOf(token[i]!) + 1) % 64]!;
  return token.slice(0, i) + next + token.slice(i + 1);
}

describe("createFeedTokens", () => {
  it("derives the same 24-character URL-safe token for the same subject", async () => {
    const tokens = await createFeedTokens(secret);
    const a = await tokens.derive(subject);
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await tokens.derive({ ...subject })).toBe(a);
    expect(await (await createFeedTokens(secret.slice())).derive(subject)).toBe(a);
  });

  it("changes with each of kind, org, id and version", async () => {
    const tokens = await createFeedTokens(secret);
    const base = await tokens.derive(subject);
    const variants: TokenSubject[] = [
      { ...subject, kind: "schedule" },
      { ...subject, org: "stmarys2" },
      { ...subject, id: "p1002" },
      { ...subject, version: 2 },
      // field boundaries are unambiguous: "a\0bc" vs "ab\0c"
      { ...subject, org: "stmaryp", id: "1001" },
    ];
    const derived = await Promise.all(variants.map((s) => tokens.derive(s)));
    expect(new Set([base, ...derived]).size).toBe(variants.length + 1);
  });

  it("gives different tokens under a different secret, and rejects the other secret's tokens", async () => {
    const a = await createFeedTokens(secret);
    const other = new Uint8Array(secret);
    other[0] = 99;
    const b = await createFeedTokens(other);
    const ta = await a.derive(subject);
    const tb = await b.derive(subject);
    expect(ta).not.toBe(tb);
    expect(await a.isWellFormed(ta)).toBe(true);
    expect(await a.isWellFormed(tb)).toBe(false);
  });

  it("carries a 128-bit body and a 16-bit checksum", async () => {
    const token = await (await createFeedTokens(secret)).derive(subject);
    expect(fromBase64Url(token)?.length).toBe(18);
  });

  it("accepts its own tokens and rejects one-character changes in (nearly) every position", async () => {
    const tokens = await createFeedTokens(secret);
    let rejected = 0;
    let tried = 0;
    for (let v = 0; v < 10; v++) {
      const token = await tokens.derive({ ...subject, version: v });
      expect(await tokens.isWellFormed(token)).toBe(true);
      for (let i = 0; i < token.length; i++) {
        tried++;
        if (!(await tokens.isWellFormed(mutate(token, i)))) rejected++;
      }
    }
    // A 16-bit check lets through 1 in 65,536 random bodies; 240 mutations should all fail.
    expect(rejected).toBeGreaterThanOrEqual(tried - 1);
  });

  it("rejects wrong lengths, foreign characters and traversal attempts without throwing", async () => {
    const tokens = await createFeedTokens(secret);
    const token = await tokens.derive(subject);
    const bad = [
      "",
      token.slice(0, 23),
      token + "A",
      token.slice(0, 22) + "==",
      token.slice(0, 23) + "+",
      token.slice(0, 23) + "/",
      token.slice(0, 23) + ".",
      "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc",
      "..%2F..%2F..%2F..%2F..%2F",
      "%00" + token.slice(3),
      "../../../../../etc/passwd",
      token.slice(0, 23) + "\u00e9",
      "A".repeat(24),
    ];
    for (const t of bad) expect(await tokens.isWellFormed(t), JSON.stringify(t)).toBe(false);
  });

  it("hashes a token to hex SHA-256", async () => {
    const tokens = await createFeedTokens(secret);
    const token = await tokens.derive(subject);
    expect(await tokens.hash(token)).toBe(await sha256Hex(token));
    expect(await tokens.hash(token)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a secret shorter than 32 bytes, naming FEED_SECRET", async () => {
    await expect(createFeedTokens(new Uint8Array(31))).rejects.toThrow(TypeError);
    await expect(createFeedTokens(new Uint8Array(31))).rejects.toThrow(/`FEED_SECRET`/);
  });

  it("refuses subjects that would make the derivation ambiguous", async () => {
    const tokens = await createFeedTokens(secret);
    await expect(tokens.derive({ ...subject, id: "a\0b" })).rejects.toThrow(/`id`/);
    await expect(tokens.derive({ ...subject, version: 1.5 })).rejects.toThrow(/`version`/);
  });
});

describe("createFeedTokens with the store's index of known token hashes", () => {
  it("passes a known token on its hash alone and hands that hash on; checks the rest by their checksum", async () => {
    const plain = await createFeedTokens(secret);
    const live = await plain.derive(subject);
    const other = await plain.derive({ ...subject, id: "p1002" });
    let macs = 0;
    const counting = {
      hmacKey: async (key: Uint8Array) => {
        const mac = await webTokenCrypto.hmacKey(key);
        return (data: Uint8Array) => (macs++, mac(data));
      },
      sha256Hex: (text: string) => sha256Hex(text),
    };
    const knownHash = await sha256Hex(live);
    const tokens = await createFeedTokens(secret, counting, (hash) => hash === knownHash);
    macs = 0;
    expect(await tokens.isWellFormed(live)).toBe(true);
    expect(macs).toBe(0); // no checksum for a token the store knows
    expect(await tokens.isWellFormed(other)).toBe(true); // not known: its checksum decides
    expect(macs).toBe(1);
    expect(await tokens.isWellFormed(mutate(other, 3))).toBe(false);
    expect(await tokens.hash(live)).toBe(knownHash);
    expect(await tokens.hash(other)).toBe(await sha256Hex(other));
    expect(await tokens.isWellFormed(live)).toBe(true);
    expect(await tokens.hash(live)).toBe(knownHash);
    expect(await tokens.hash(mutate(live, 5))).toBe(await sha256Hex(mutate(live, 5)));
  });
});
