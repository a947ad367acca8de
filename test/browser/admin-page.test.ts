/**
 * The admin page and the subscribe page in a real browser (Debian's Chromium through playwright-core), against
 * the real Node server with serving threads: sign in, find a person, read their link and decode the QR code's
 * target, see who polled, rotate and watch the old link die, open the subscribe page from the person's feed link,
 * read a schedule's page, run a regeneration to completion, and read the traffic view; and on each view, no
 * WCAG 2.1 A/AA violation that axe-core finds (labels, names, contrast, ARIA).
 */
import { createServer, type AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, launchChromium, readQrCode } from "../support/browser.ts";
import { skipWithout } from "../support/parsers.ts";
import { ADMIN_TOKEN, makeSnapshot, raw, startHarness, type Harness } from "../support/server.ts";

/** A port free right now, so `PUBLIC_URL` can name the live server and the page's links work in the browser. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const APPLE = "iOS/18.1 (22B83) dataaccessd/1.0";

describe.skipIf(skipWithout("the browser tests of the admin and subscribe pages", ["chromium"]))(
  "the admin page in Chromium",
  () => {
    let h: Harness;
    let browser: Browser;
    let page: Page;
    let base: string;

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      h = await startHarness({ env: { PORT: String(port), PUBLIC_URL: base, SERVE_THREADS: "2" } });
      expect((await h.publish(makeSnapshot())).status).toBe(200);
      browser = await launchChromium();
      const context = await browser.newContext();
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
      page = await context.newPage();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await h?.close();
    });

    const status = () => page.getByRole("status");

    it("signs in with the admin token, kept in session storage and never in the URL", async () => {
      await page.goto(`${base}/admin`);
      await page.getByLabel("Admin token").waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByLabel("Admin token").fill("not-the-token-0123456789abcdef");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => status().textContent()).toMatch(/refused/);
      await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Search" }).waitFor();
      expect(page.url()).not.toContain(ADMIN_TOKEN);
      expect(await page.evaluate(() => sessionStorage.getItem("shiftfeed.adminToken"))).toBe(ADMIN_TOKEN);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
    });

    it("finds a person; shows their link, a QR code of their subscribe page and who polled", async () => {
      const feedPath = await h.feedPathOf("acme", "pA");
      expect((await h.feed(feedPath, { "user-agent": APPLE })).status).toBe(200);

      await page.getByLabel(/Find a person/).fill("ada");
      await page.keyboard.press("Enter");
      await page.getByRole("link", { name: "Dr. Ada Able" }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole("link", { name: "Dr. Ada Able" }).click();
      await page.getByRole("heading", { name: "Dr. Ada Able" }).waitFor();

      const lookup = (await h.admin("GET", "/admin/orgs/acme/people/pA")).json as {
        feed: { url: string; subscribeUrl: string; webcalUrl: string; googleUrl: string };
      };
      expect(await page.getByLabel("Feed link", { exact: true }).inputValue()).toBe(lookup.feed.url);
      expect(await page.getByRole("link", { name: "Subscribe on iPhone / Mac" }).getAttribute("href")).toBe(
        lookup.feed.webcalUrl,
      );
      expect(await page.getByRole("link", { name: "Add to Google Calendar" }).getAttribute("href")).toBe(
        lookup.feed.googleUrl,
      );
      await page.getByRole("button", { name: "Copy Feed link" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(lookup.feed.url);

      const qr = page.getByRole("img", { name: /QR code/ });
      await expect
        .poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBeTruthy();
      expect(await readQrCode(qr)).toBe(lookup.feed.subscribeUrl);

      const fetches = page.locator("#last-fetch");
      await expect.poll(() => fetches.textContent()).toContain("Apple Calendar");
      expect(await fetches.textContent()).toContain(APPLE);
      expect(await accessibilityViolations(page)).toEqual([]);
    });

    it("rotates after confirmation: the old link dies, the page shows the new one", async () => {
      const oldUrl = await page.getByLabel("Feed link", { exact: true }).inputValue();
      await page.getByRole("button", { name: "Rotate link…" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      expect((await raw("GET", oldUrl)).status).toBe(200); // cancelled: nothing happened

      await page.getByRole("button", { name: "Rotate link…" }).click();
      await dialog.getByRole("button", { name: "Rotate link" }).click();
      await expect.poll(() => status().textContent()).toMatch(/old one no longer works/);
      const newUrl = await page.getByLabel("Feed link", { exact: true }).inputValue();
      expect(newUrl).not.toBe(oldUrl);
      expect((await raw("GET", oldUrl)).status).toBe(404);
      expect((await raw("GET", newUrl)).status).toBe(200);
    });

    it("opens the subscribe page from the person's feed link", async () => {
      const newUrl = await page.getByLabel("Feed link", { exact: true }).inputValue();
      const [popup] = await Promise.all([
        page.waitForEvent("popup"),
        page.getByRole("link", { name: "Open subscribe page" }).click(),
      ]);
      await popup.getByRole("heading", { name: "Dr. Ada Able" }).waitFor();
      expect(popup.url()).toBe(newUrl.replace("/feeds/", "/subscribe/").replace(/\.ics$/, ""));
      expect(await popup.locator("#upcoming li").allTextContents()).toEqual([
        "Wed 25 Nov, 07:00–19:00 ICU Day · North Tower",
        "Thu 24 Dec – Sat 26 Dec Vacation",
      ]);
      expect(
        await popup.getByRole("link", { name: "Subscribe in Apple Calendar" }).getAttribute("href"),
      ).toBe(newUrl.replace(/^http:/, "webcal:"));
      expect(
        await popup.getByRole("link", { name: "Add to Google Calendar" }).getAttribute("href"),
      ).toContain(encodeURIComponent(newUrl.replace(/^http:/, "webcal:")));
      expect(await popup.getByRole("link", { name: "Add to Outlook" }).getAttribute("href")).toContain(
        encodeURIComponent(newUrl),
      );
      expect(await popup.getByLabel("Or copy the calendar address").inputValue()).toBe(newUrl);
      expect(await readQrCode(popup.locator("#qr svg"))).toBe(popup.url());
      expect(await accessibilityViolations(popup)).toEqual([]);
      // The stylesheet loaded under the page's CSP (a blocked one would leave the buttons unstyled).
      const color = await popup
        .getByRole("link", { name: "Add to Outlook" })
        .evaluate((a) => getComputedStyle(a).backgroundColor);
      expect(color).toBe("rgb(29, 78, 216)");
      await popup.close();
    });

    it("shows a schedule: revision, its people and its schedule feed link", async () => {
      await page.getByRole("link", { name: "icu", exact: true }).click();
      await page.getByRole("heading", { name: "Intensive Care" }).waitFor();
      const lookup = (await h.admin("GET", "/admin/orgs/acme/schedules/icu")).json as {
        revision: number;
        feed: { url: string };
      };
      const cells = await page.locator("table tbody tr").first().locator("td").allTextContents();
      expect(cells[0]).toBe(String(lookup.revision));
      expect(cells[2]).toBe("2"); // people
      const feedUrl = await page.getByLabel("Schedule feed link", { exact: true }).inputValue();
      expect(feedUrl).toBe(lookup.feed.url);
      expect((await raw("GET", feedUrl)).status).toBe(200);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole("link", { name: "Dr. Bo Baker" }).click();
      await page.getByRole("heading", { name: "Dr. Bo Baker" }).waitFor();
      expect(page.url()).toBe(`${base}/admin#/people/acme/pB`);
    });

    it("runs a regeneration to completion with live progress", async () => {
      await page.getByRole("navigation").getByRole("link", { name: "Regenerate" }).click();
      await page.getByLabel("Organization id").fill("acme");
      await page.getByLabel(/force/).check();
      await page.getByRole("button", { name: "Start regeneration" }).click();
      const state = page.locator("#regen-state");
      await expect
        .poll(() => state.textContent(), { timeout: 20_000 })
        .toMatch(/^succeeded: (\d+) of \1 feeds/);
      const progress = page.getByRole("progressbar", { name: "Regeneration progress" });
      expect(await progress.evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([3, 3]);
      expect(await accessibilityViolations(page)).toEqual([]);
    });

    it("shows traffic: requests, 304 share, the busiest clients", async () => {
      await h.settle();
      await page.getByRole("navigation").getByRole("link", { name: "Traffic" }).click();
      await page.getByRole("heading", { name: "Traffic" }).waitFor();
      const windows = await page.locator("#traffic-windows tbody tr").first().locator("td").allTextContents();
      expect(windows[0]).toBe("Last 5 min");
      expect(Number(windows[1])).toBeGreaterThanOrEqual(4);
      await expect(page.getByRole("link", { name: "acme/person/pA" }).first().isVisible()).resolves.toBe(
        true,
      );
      expect(await page.getByRole("img", { name: /requests per minute/ }).count()).toBe(1);
      expect(await accessibilityViolations(page)).toEqual([]);
    });

    it("signs out: the token leaves session storage", async () => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Admin token").waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem("shiftfeed.adminToken"))).toBeNull();
    });
  },
);
