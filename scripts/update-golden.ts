/**
 * The only way golden feeds change: renders every case of `test/support/render-cases.ts` and rewrites
 * `fixtures/golden/<case>/`, deleting files of feeds that no longer exist. Review the diff before committing.
 *
 * Usage: `npm run golden:update [case…]` (all cases when none is named).
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { GOLDEN_DIR, RENDER_CASES, renderCase } from "../test/support/render-cases.ts";

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !RENDER_CASES.some((c) => c.name === name));
if (unknown.length > 0) throw new Error(`unknown case(s): ${unknown.join(", ")}`);

for (const c of RENDER_CASES) {
  if (wanted.length > 0 && !wanted.includes(c.name)) continue;
  const feeds = await renderCase(c);
  const dir = `${GOLDEN_DIR}${c.name}/`;
  await mkdir(dir, { recursive: true });
  for (const file of await readdir(dir)) if (file.endsWith(".ics")) await rm(`${dir}${file}`);
  let bytes = 0;
  for (const [name, body] of feeds) {
    await writeFile(`${dir}${name}`, body);
    bytes += body.length;
  }
  console.log(`${c.name}: ${feeds.size} feeds, ${bytes} bytes → ${dir}`);
}
