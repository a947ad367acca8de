/**
 * The admin page and the subscribe page in a real browser (Debian's Chromium through playwright-core) against the
 * Worker in workerd over a real socket, `PUBLIC_URL` naming it: sign in, find a person, read their link and decode
 * the QR code's target, rotate and watch the old link die, open the subscribe page from the person's feed link,
 * read a schedule's page, and run a regeneration to completion — the same page and API as on Node (the traffic
 * view and who polled are Node-only: docs/cloudflare.md › Node-only routes). No WCAG 2.1 A/AA violation that
 * axe-core finds on each view. The Worker runs on the real clock, so the shifts are dated from today.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, launchChromium, readQrCode } from "../support/browser.ts";
import { makeSnapshot, ADMIN_TOKEN, DAY_MS } from "../support/fixture.ts";
import { skipWithout } from "../support/parsers.ts";
import { startWorkerd, type WorkerdServer } from "../worker/socket/workerd.ts";

const dateIn = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

describe.skipIf(skipWithout("the browser test of the admin page on Workers", ["chromium"]))(
  "the admin page in Chromium, served by the Worker",
  () => {
    let worker: WorkerdServer;
    let browser: Browser;
    let page: Page;
    let base: string;

    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as unknown };
    };
    const status = () => page.getByRole("status");

    beforeAll(async () => {
      worker = await startWorkerd({}, {}, { publicUrlIsOwn: true });
      base = worker.url;
      const snapshot = makeSnapshot({
        publishedAt: new Date(Date.now() - 60_000).toISOString(),
        assignments: [
          { id: "a1", personId: "pA", shiftId: "day", date: dateIn(2) },
          { id: "a2", personId: "pB", shiftId: "night", date: dateIn(3) },
          { id: "a3", personId: "pA", shiftId: "vac", date: dateIn(20), endDate: dateIn(22) },
        ],
      });
      const published = await api("PUT", "/admin/orgs/acme/schedules/icu", snapshot);
      expect(published.status).toBe(200);
      browser = await launchChromium();
      const context = await browser.newContext();
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
      page = await context.newPage();
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await worker?.close();
    });

    it("signs in with the admin token", async () => {
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
    });

    it("finds a person; shows their link and a QR code of their subscribe page", async () => {
      await page.getByLabel(/Find a person/).fill("ada");
      await page.keyboard.press("Enter");
      await page.getByRole("link", { name: "Dr. Ada Able" }).click();
      await page.getByRole("heading", { name: "Dr. Ada Able" }).waitFor();
      const lookup = (await api("GET", "/admin/orgs/acme/people/pA")).json as {
        feed: { url: string; subscribeUrl: string };
      };
      expect(lookup.feed.url.startsWith(`${base}/feeds/`)).toBe(true);
      expect(await page.getByLabel("Feed link", { exact: true }).inputValue()).toBe(lookup.feed.url);
      const qr = page.getByRole("img", { name: /QR code/ });
      await expect
        .poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBeTruthy();
      expect(await readQrCode(qr)).toBe(lookup.feed.subscribeUrl);
      expect(await accessibilityViolations(page)).toEqual([]);
    });

    it("rotates after confirmation: the old link and its subscribe page die", async () => {
      const oldUrl = await page.getByLabel("Feed link", { exact: true }).inputValue();
      const oldPage = oldUrl.replace("/feeds/", "/subscribe/").replace(/\.ics$/, "");
      expect((await fetch(oldPage)).status).toBe(200);
      await page.getByRole("button", { name: "Rotate link…" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Rotate link" }).click();
      await expect.poll(() => status().textContent()).toMatch(/old one no longer works/);
      const newUrl = await page.getByLabel("Feed link", { exact: true }).inputValue();
      expect(newUrl).not.toBe(oldUrl);
      expect((await fetch(oldUrl)).status).toBe(404);
      expect((await fetch(oldPage)).status).toBe(404);
      expect((await fetch(newUrl)).status).toBe(200);
    });

    it("opens the subscribe page from the person's feed link", async () => {
      const newUrl = await page.getByLabel("Feed link", { exact: true }).inputValue();
      const [popup] = await Promise.all([
        page.waitForEvent("popup"),
        page.getByRole("link", { name: "Open subscribe page" }).click(),
      ]);
      await popup.getByRole("heading", { name: "Dr. Ada Able" }).waitFor();
      expect(popup.url()).toBe(newUrl.replace("/feeds/", "/subscribe/").replace(/\.ics$/, ""));
      const upcoming = await popup.locator("#upcoming li").allTextContents();
      expect(upcoming).toHaveLength(2);
      expect(upcoming[0]).toMatch(/, 07:00–19:00 ICU Day · North Tower$/);
      expect(upcoming[1]).toMatch(/ Vacation$/);
      expect(await popup.getByLabel("Or copy the calendar address").inputValue()).toBe(newUrl);
      expect(await readQrCode(popup.locator("#qr svg"))).toBe(popup.url());
      expect(await accessibilityViolations(popup)).toEqual([]);
      const color = await popup
        .getByRole("link", { name: "Add to Outlook" })
        .evaluate((a) => getComputedStyle(a).backgroundColor);
      expect(color).toBe("rgb(29, 78, 216)");
      await popup.close();
    });

    it("shows a schedule and runs a regeneration to completion", async () => {
      await page.getByRole("link", { name: "icu", exact: true }).click();
      await page.getByRole("heading", { name: "Intensive Care" }).waitFor();
      const feedUrl = await page.getByLabel("Schedule feed link", { exact: true }).inputValue();
      expect((await fetch(feedUrl)).status).toBe(200);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole("navigation").getByRole("link", { name: "Regenerate" }).click();
      await page.getByLabel("Organization id").fill("acme");
      await page.getByLabel(/force/).check();
      await page.getByRole("button", { name: "Start regeneration" }).click();
      await expect
        .poll(() => page.locator("#regen-state").textContent(), { timeout: 30_000 })
        .toMatch(/^succeeded: (\d+) of \1 feeds/);
      expect(await accessibilityViolations(page)).toEqual([]);
    });
  },
);
