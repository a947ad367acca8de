/**
 * Writes or checks `fixtures/tokens/golden.json`: feed tokens of a dozen subjects under a fixed test secret,
 * with their SHA-256. Every subscriber's link is one of these derivations, so the file pins the derivation:
 * a change to `src/core/tokens.ts` that moves any token fails `test/core/tokens-golden.test.ts`.
 *
 *   node scripts/generate-token-golden.ts --check   # exit 1 if the current code derives different tokens
 *   node scripts/generate-token-golden.ts --write   # rewrite the file (only for a deliberate break of all links)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fromHex } from "../test/support/hex.ts";
import { createFeedTokens, type TokenSubject } from "../src/core/tokens.ts";

const FILE = new URL("../fixtures/tokens/golden.json", import.meta.url);

/** A fixed 32-byte test secret (never a real one). */
const SECRET_HEX = "5368696674666565642d746f6b656e2d676f6c64656e2d7365637265742d3031";

const LONG = "x".repeat(60) + "-_.9";
const SUBJECTS: TokenSubject[] = [
  { kind: "person", org: "stmarys", id: "p1001", version: 0 },
  { kind: "person", org: "stmarys", id: "p1001", version: 1 },
  { kind: "person", org: "stmarys", id: "p1001", version: 2 },
  { kind: "person", org: "stmarys", id: "p1001", version: 7 },
  { kind: "schedule", org: "stmarys", id: "cardiology", version: 1 },
  { kind: "schedule", org: "stmarys", id: "cardiology", version: 2 },
  { kind: "person", org: "a-b_c.d", id: ".a", version: 1 },
  { kind: "person", org: ".", id: "..", version: 1 },
  { kind: "schedule", org: "lakeside", id: "a-b_c.d", version: 0 },
  { kind: "person", org: LONG, id: LONG.toUpperCase(), version: 2 },
  { kind: "schedule", org: LONG, id: "Z".repeat(64), version: 7 },
  { kind: "person", org: "acme", id: "-", version: Number.MAX_SAFE_INTEGER },
  { kind: "person", org: "acme", id: "0", version: 1_000_000 },
];

/** One pinned derivation. */
export interface GoldenToken {
  subject: TokenSubject;
  token: string;
  sha256: string;
}

/** The file's content as the current code derives it. */
async function derive(): Promise<{ secretHex: string; tokens: GoldenToken[] }> {
  const tokens = await createFeedTokens(fromHex(SECRET_HEX));
  const out: GoldenToken[] = [];
  for (const subject of SUBJECTS) {
    const token = await tokens.derive(subject);
    out.push({ subject, token, sha256: await tokens.hash(token) });
  }
  return { secretHex: SECRET_HEX, tokens: out };
}

const mode = process.argv[2];
if (mode !== "--check" && mode !== "--write") {
  console.error("usage: node scripts/generate-token-golden.ts --check | --write");
  process.exit(2);
}
const text = JSON.stringify(await derive(), null, 2) + "\n";
if (mode === "--write") {
  writeFileSync(FILE, text);
  console.log(`wrote ${FILE.pathname}: every feed link derived by earlier code is now different`);
} else if (readFileSync(FILE, "utf8") !== text) {
  console.error(
    `${FILE.pathname} differs from what src/core/tokens.ts derives: every feed link would change`,
  );
  process.exit(1);
}
