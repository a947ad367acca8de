// The generated fixtures (and the pages' bundled assets) are exactly what their generators write: nobody edits them
// by hand.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe.each([
  "scripts/generate-demo-fixtures.ts",
  "scripts/generate-matrix-fixtures.ts",
  "scripts/bundle-page-assets.ts",
])("%s", (script) => {
  it("reports the committed fixtures up to date (--check)", () => {
    const run = () => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" });
    expect(run).not.toThrow();
  });
});
