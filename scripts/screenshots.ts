/**
 * `node scripts/screenshots.ts`: the screenshots in the docs (`docs/admin-person.png`, `docs/subscribe-page.png`),
 * taken in Debian's Chromium (playwright-core) of a server loaded with the demo hospital, after a few polls so the
 * person page shows who fetched the feed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/core/config.ts";
import { silentLogger } from "../src/core/logger.ts";
import { startServer } from "../src/node/server.ts";
import { launchChromium } from "../test/support/browser.ts";

const ADMIN = "screenshot-admin-token-0123456789abcdef";
const OUT = new URL("../docs/", import.meta.url);

const probe = createServer();
await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
const port = (probe.address() as AddressInfo).port;
await new Promise((resolve) => probe.close(resolve));

const dataDir = await mkdtemp(join(tmpdir(), "shiftfeed-shots-"));
const base = `http://127.0.0.1:${port}`;
const config = parseConfig({
  PORT: String(port),
  HOST: "127.0.0.1",
  DATA_DIR: dataDir,
  ADMIN_TOKEN: ADMIN,
  PUBLIC_URL: base,
});
const server = await startServer(config, { logger: silentLogger });
const browser = await launchChromium();
try {
  const person = (await (
    await fetch(`${base}/admin/orgs/stmarys/people/p1001`, { headers: { authorization: `Bearer ${ADMIN}` } })
  ).json()) as { feed: { url: string; subscribeUrl: string } };
  for (const agent of [
    "iOS/18.1 (22B83) dataaccessd/1.0",
    "Google-Calendar-Importer",
    "Microsoft Office/16.0",
  ]) {
    await fetch(person.feed.url, { headers: { "user-agent": agent } });
  }
  await server.flush();

  const page = await browser.newPage({ viewport: { width: 1100, height: 980 } });
  await page.goto(`${base}/admin`);
  await page.getByLabel("Admin token").fill(ADMIN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Search" }).waitFor();
  await page.goto(`${base}/admin#/people/stmarys/p1001`);
  await page.locator("#qr[src^='blob:']").waitFor();
  await page.locator("#last-fetch table").waitFor();
  await page.screenshot({ path: new URL("admin-person.png", OUT).pathname, fullPage: true });

  const phone = await browser.newPage({ viewport: { width: 420, height: 900 }, deviceScaleFactor: 1 });
  await phone.goto(person.feed.subscribeUrl);
  await phone.screenshot({ path: new URL("subscribe-page.png", OUT).pathname, fullPage: true });
  console.log("wrote docs/admin-person.png and docs/subscribe-page.png");
} finally {
  await browser.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
