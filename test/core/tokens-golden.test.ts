// Every subscriber's link is a token derivation: fixtures/tokens/golden.json pins it byte for byte, so a change to
// the derivation (a prefix, a separator, the encoding, the checksum) fails here instead of silently killing every
// link at the next deploy. The file is written once by `scripts/generate-token-golden.ts`; this test only reads it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createFeedTokens, TOKEN_LENGTH, type TokenSubject } from "../../src/core/tokens.ts";
import { nodeTokenCrypto } from "../../src/node/node-codec.ts";
import { fromHex } from "../support/hex.ts";
import { ROOT } from "../support/render-cases.ts";

interface Golden {
  secretHex: string;
  tokens: { subject: TokenSubject; token: string; sha256: string }[];
}

const golden = JSON.parse(readFileSync(`${ROOT}fixtures/tokens/golden.json`, "utf8")) as Golden;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The token with the character at `i` replaced by the next one in the base64url alphabet. */
const flip = (token: string, i: number) =>
  token.slice(0, i) + ALPHABET[(ALPHABET.indexOf(token[i]!) + 1) % 64]! + token.slice(i + 1);

describe("golden feed tokens (fixtures/tokens/golden.json)", () => {
  it("covers both kinds, odd and 64-character ids, and versions 0, 1, 2, 7 and a large one", () => {
    const subjects = golden.tokens.map((t) => t.subject);
    expect(subjects.length).toBeGreaterThanOrEqual(12);
    expect(new Set(subjects.map((s) => s.kind))).toEqual(new Set(["person", "schedule"]));
    for (const v of [0, 1, 2, 7, Number.MAX_SAFE_INTEGER])
      expect(subjects.map((s) => s.version)).toContain(v);
    for (const id of [".a", "a-b_c.d", ".."]) expect(subjects.flatMap((s) => [s.org, s.id])).toContain(id);
    expect(subjects.some((s) => s.id.length === 64 && s.org.length === 64)).toBe(true);
  });

  it("derives exactly the recorded token for every subject", async () => {
    const tokens = await createFeedTokens(fromHex(golden.secretHex));
    for (const { subject, token } of golden.tokens) {
      expect(await tokens.derive(subject), JSON.stringify(subject)).toBe(token);
    }
  });

  it("gives the same tokens, hashes and checks with Node's synchronous primitives", async () => {
    const tokens = await createFeedTokens(fromHex(golden.secretHex), nodeTokenCrypto);
    for (const { subject, token, sha256 } of golden.tokens) {
      expect(await tokens.derive(subject)).toBe(token);
      expect(await tokens.hash(token)).toBe(sha256);
      expect(await tokens.isWellFormed(token)).toBe(true);
      expect(await tokens.isWellFormed(flip(token, 23))).toBe(false);
    }
  });

  it("hashes every token to the recorded SHA-256 (which is SHA-256 of the token's text)", async () => {
    const tokens = await createFeedTokens(fromHex(golden.secretHex));
    for (const { token, sha256 } of golden.tokens) {
      expect(createHash("sha256").update(token).digest("hex"), token).toBe(sha256);
      expect(await tokens.hash(token), token).toBe(sha256);
    }
  });

  it("accepts every recorded token as well-formed, and none with any single character flipped", async () => {
    const tokens = await createFeedTokens(fromHex(golden.secretHex));
    for (const { token } of golden.tokens) {
      expect(token).toHaveLength(TOKEN_LENGTH);
      expect(await tokens.isWellFormed(token), token).toBe(true);
      for (let i = 0; i < token.length; i++) {
        expect(await tokens.isWellFormed(flip(token, i)), `${token} with character ${i} flipped`).toBe(false);
      }
    }
  });
});
