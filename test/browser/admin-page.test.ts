// The admin page suite (test/support/admin-page-suite.ts) in Chromium against the real Node server with serving
// threads, `PUBLIC_URL` naming it; the harness clock stands at the fixture's day, so the upcoming shifts are exact.
import { createServer, type AddressInfo } from "node:net";
import { describeAdminPage } from "../support/admin-page-suite.ts";
import { makeSnapshot, startHarness } from "../support/server.ts";

/** A port free right now, so `PUBLIC_URL` can name the live server and the page's links work in the browser. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeAdminPage("Node", async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const h = await startHarness({ env: { PORT: String(port), PUBLIC_URL: base, SERVE_THREADS: "2" } });
  const published = await h.publish(makeSnapshot());
  if (published.status !== 200) throw new Error(`publish answered ${published.status}: ${published.text}`);
  return {
    base,
    upcoming: ["Wed 25 Nov, 07:00–19:00 ICU Day · North Tower", "Thu 24 Dec – Sat 26 Dec Vacation"],
    close: () => h.close(),
  };
});
