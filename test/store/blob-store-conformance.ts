/**
 * The one conformance suite every `BlobStore` backend runs: what the core may rely on, whatever the medium.
 */
import { describe, expect, it } from "vitest";
import type { BlobStore } from "../../src/store/blob-store.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const text = (value: string): Uint8Array => new TextEncoder().encode(value);
/** `length` bytes all equal to `fill`, so a torn mix of two writers is easy to spot. */
const filled = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill);

export const INVALID_KEYS = [
  "",
  "../x",
  "a/../b",
  "a//b",
  "a/./b",
  "/abs",
  "trailing/",
  "%2e%2e",
  "a\\b",
  "a b",
  "x".repeat(600),
];

/** Registers the suite; `makeStore` must give a fresh, empty store on every call. */
export function testBlobStore(name: string, makeStore: () => Promise<BlobStore>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    it("returns null for a key never written", async () => {
      const store = await makeStore();
      expect(await store.get("feeds/ab/missing.ics.gz")).toBeNull();
      expect(await store.list("")).toEqual([]);
    });

    it("round-trips every byte value, an empty value and 5 MB", async () => {
      const store = await makeStore();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const big = Uint8Array.from({ length: 5 * 1024 * 1024 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
      await store.put("bin/all", all);
      await store.put("bin/empty", new Uint8Array(0));
      await store.put("bin/big", big);
      expect(await store.get("bin/all")).toEqual(all);
      expect(await store.get("bin/empty")).toEqual(new Uint8Array(0));
      const got = await store.get("bin/big");
      expect(got?.length).toBe(big.length);
      expect(Buffer.compare(got ?? new Uint8Array(0), big)).toBe(0);
    });

    it("overwrites a value with a shorter and then a longer one", async () => {
      const store = await makeStore();
      await store.put("state/s1.json", text("a long first version"));
      await store.put("state/s1.json", text("short"));
      expect(await store.get("state/s1.json")).toEqual(text("short"));
      await store.put("state/s1.json", text("a longer third version of it"));
      expect(await store.get("state/s1.json")).toEqual(text("a longer third version of it"));
    });

    it("deletes a key, and deleting a missing key is a no-op", async () => {
      const store = await makeStore();
      await store.put("a/b", bytes(1));
      await store.delete("a/b");
      expect(await store.get("a/b")).toBeNull();
      expect(await store.list("a")).toEqual([]);
      await expect(store.delete("a/b")).resolves.toBeUndefined();
      await expect(store.delete("never/was/here")).resolves.toBeUndefined();
    });

    it("lists keys by prefix, sorted, across nested folders and mid-segment prefixes", async () => {
      const store = await makeStore();
      const keys = [
        "feeds/b1/z.ics.gz",
        "feeds/ab/y.ics.gz",
        "feeds/a0/x.ics.gz",
        "feeds/ab/deep/er/k",
        "feedsX",
        "manifests/org-1.json",
        "Feeds/upper",
      ];
      for (const key of keys) await store.put(key, text(key));
      expect(await store.list("")).toEqual([...keys].sort());
      expect(await store.list("feeds/")).toEqual([
        "feeds/a0/x.ics.gz",
        "feeds/ab/deep/er/k",
        "feeds/ab/y.ics.gz",
        "feeds/b1/z.ics.gz",
      ]);
      expect(await store.list("feeds/a")).toEqual([
        "feeds/a0/x.ics.gz",
        "feeds/ab/deep/er/k",
        "feeds/ab/y.ics.gz",
      ]);
      expect(await store.list("feeds/ab/deep")).toEqual(["feeds/ab/deep/er/k"]);
      expect(await store.list("feeds")).toEqual([
        "feeds/a0/x.ics.gz",
        "feeds/ab/deep/er/k",
        "feeds/ab/y.ics.gz",
        "feeds/b1/z.ics.gz",
        "feedsX",
      ]);
      expect(await store.list("manifests/org-1.json")).toEqual(["manifests/org-1.json"]);
      expect(await store.list("nothing/")).toEqual([]);
      expect(await store.list("../")).toEqual([]);
      expect(await store.list("/")).toEqual([]);
    });

    it("treats keys ending in .tmp like any other key", async () => {
      const store = await makeStore();
      await store.put("x/a", text("a"));
      await store.put("x/a.tmp", text("a.tmp"));
      await store.put("x/a", text("a2"));
      expect(await store.get("x/a.tmp")).toEqual(text("a.tmp"));
      expect(await store.list("x/")).toEqual(["x/a", "x/a.tmp"]);
    });

    describe("rejects invalid keys with a TypeError", () => {
      for (const key of INVALID_KEYS) {
        it(`\`${key.length > 20 ? `${key.slice(0, 8)}…(${key.length})` : key}\``, async () => {
          const store = await makeStore();
          await expect(store.get(key)).rejects.toThrow(TypeError);
          await expect(store.put(key, bytes(1))).rejects.toThrow(TypeError);
          await expect(store.delete(key)).rejects.toThrow(TypeError);
          expect(await store.list("")).toEqual([]);
        });
      }
    });

    it("isolates stored values from the caller's arrays", async () => {
      const store = await makeStore();
      const input = bytes(1, 2, 3);
      const pending = store.put("iso/k", input);
      input[0] = 99; // mutated before the put has even resolved
      await pending;
      input[1] = 99;
      const first = await store.get("iso/k");
      expect(first).toEqual(bytes(1, 2, 3));
      if (first) first[2] = 99;
      expect(await store.get("iso/k")).toEqual(bytes(1, 2, 3));
    });

    it("keeps 200 concurrent puts to distinct keys", async () => {
      const store = await makeStore();
      const keys = Array.from(
        { length: 200 },
        (_, i) => `feeds/${(i % 16).toString(16).padStart(2, "0")}/k${i}`,
      );
      await Promise.all(keys.map((key, i) => store.put(key, text(`value ${i}`))));
      expect(await store.list("feeds/")).toEqual([...keys].sort());
      const values = await Promise.all(keys.map((key) => store.get(key)));
      values.forEach((value, i) => expect(value).toEqual(text(`value ${i}`)));
    });

    it("leaves one writer's whole value after concurrent puts to the same key, readers never see a torn one", async () => {
      const store = await makeStore();
      const size = 256 * 1024;
      await store.put("manifests/org.json", filled(size, 0));
      const seen: (Uint8Array | null)[] = [];
      const writers = Array.from({ length: 20 }, (_, i) =>
        store.put("manifests/org.json", filled(size, i + 1)),
      );
      const readers = Array.from({ length: 20 }, async () =>
        seen.push(await store.get("manifests/org.json")),
      );
      await Promise.all([...writers, ...readers]);
      const final = await store.get("manifests/org.json");
      for (const value of [...seen, final]) {
        expect(value?.length).toBe(size);
        const first = value?.[0] ?? -1;
        expect(first).toBeGreaterThanOrEqual(0);
        expect(first).toBeLessThanOrEqual(20);
        expect(value?.every((b) => b === first)).toBe(true);
      }
      expect(await store.list("manifests/")).toEqual(["manifests/org.json"]);
    });
  });
}
