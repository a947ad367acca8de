/**
 * The admin page and the subscribe page in a real browser (Debian's Chromium through playwright-core), as one
 * suite every runtime passes over a real socket: the Node server with serving threads
 * (`test/browser/admin-page.test.ts`) and the Worker in workerd (`test/browser/admin-page-worker.test.ts`). Sign in,
 * find a person, read their link and decode the QR code's target, see who polled, rotate and watch the old link
 * and its subscribe page die, open the subscribe page from the person's feed link, read a schedule's page, run a
 * regeneration to completion, read the traffic view, sign out; and on each view, no WCAG 2.1 A/AA violation that
 * axe-core finds (labels, names, contrast, ARIA).
 *
 * What a runtime records of feed requests reaches the admin views on its own schedule (Node's serving threads
 * hand notes over every few milliseconds here; a Worker isolate sends its batch 10 s after its first note), so
 * the suite waits on the admin API for it before opening a view that shows it.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, launchChromium, readQrCode } from "./browser.ts";
import { ADMIN_TOKEN } from "./fixture.ts";
import { skipWithout } from "./parsers.ts";
import { raw } from "./server.ts";

/** A running service with organization `acme`'s schedule `icu` published (`makeSnapshot`'s people). */
export interface AdminPageTarget {
  /** The service's origin, which its `PUBLIC_URL` names. */
  base: string;
  /** The lines pA's subscribe page lists as upcoming shifts, in order. */
  upcoming: (string | RegExp)[];
  close(): Promise<void>;
}

const APPLE = "iOS/18.1 (22B83) dataaccessd/1.0";
/** Longest a runtime takes to show a feed request in the admin views (a Worker batch waits 10 s). */
const TELEMETRY_MS = 30_000;

interface Lookup {
  lastFetch: { client: string }[];
  feed: { url: string; subscribeUrl: string; webcalUrl: string; googleUrl: string };
}

/** The browser suite against a runtime, started once by `start`. */
export function describeAdminPage(runtime: string, start: () => Promise<AdminPageTarget>): void {
  describe.skipIf(skipWithout(`the browser test of the admin page on ${runtime}`, ["chromium"]))(
    `the admin page in Chromium, served by ${runtime}`,
    () => {
      let target: AdminPageTarget;
      let browser: Browser;
      let page: Page;
      let base: string;

      const admin = async <T>(method: string, path: string): Promise<T> => {
        const reply = await raw(method, base + path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect(reply.status, reply.text).toBe(200);
        return reply.json as T;
      };
      const status = () => page.getByRole("status");
      const feedLink = () => page.getByLabel("Feed link", { exact: true }).inputValue();

      beforeAll(async () => {
        target = await start();
        base = target.base;
        browser = await launchChromium();
        const context = await browser.newContext();
        await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
        page = await context.newPage();
      }, 120_000);
      afterAll(async () => {
        await browser?.close();
        await target?.close();
      });

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
        const { feed } = await admin<Lookup>("GET", "/admin/orgs/acme/people/pA");
        expect(feed.url.startsWith(`${base}/feeds/`)).toBe(true);
        expect((await raw("GET", feed.url, { headers: { "user-agent": APPLE } })).status).toBe(200);
        await expect
          .poll(async () => (await admin<Lookup>("GET", "/admin/orgs/acme/people/pA")).lastFetch.length, {
            timeout: TELEMETRY_MS,
          })
          .toBeGreaterThan(0);

        await page.getByLabel(/Find a person/).fill("ada");
        await page.keyboard.press("Enter");
        await page.getByRole("link", { name: "Dr. Ada Able" }).waitFor();
        expect(await accessibilityViolations(page)).toEqual([]);
        await page.getByRole("link", { name: "Dr. Ada Able" }).click();
        await page.getByRole("heading", { name: "Dr. Ada Able" }).waitFor();

        expect(await feedLink()).toBe(feed.url);
        expect(await page.getByRole("link", { name: "Subscribe on iPhone / Mac" }).getAttribute("href")).toBe(
          feed.webcalUrl,
        );
        expect(await page.getByRole("link", { name: "Add to Google Calendar" }).getAttribute("href")).toBe(
          feed.googleUrl,
        );
        await page.getByRole("button", { name: "Copy Feed link" }).click();
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(feed.url);

        const qr = page.getByRole("img", { name: /QR code/ });
        await expect
          .poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
          .toBeTruthy();
        expect(await readQrCode(qr)).toBe(feed.subscribeUrl);

        const fetches = page.locator("#last-fetch");
        await expect.poll(() => fetches.textContent()).toContain("Apple Calendar");
        expect(await fetches.textContent()).toContain(APPLE);
        expect(await accessibilityViolations(page)).toEqual([]);
      });

      it("rotates after confirmation: the old link and its subscribe page die, the page shows the new one", async () => {
        const oldUrl = await feedLink();
        const oldPage = oldUrl.replace("/feeds/", "/subscribe/").replace(/\.ics$/, "");
        await page.getByRole("button", { name: "Rotate link…" }).click();
        const dialog = page.getByRole("dialog");
        await dialog.getByRole("button", { name: "Cancel" }).click();
        // Cancelled: nothing happened.
        expect((await raw("GET", oldUrl)).status).toBe(200);
        expect((await raw("GET", oldPage)).status).toBe(200);

        await page.getByRole("button", { name: "Rotate link…" }).click();
        await dialog.getByRole("button", { name: "Rotate link" }).click();
        await expect.poll(() => status().textContent()).toMatch(/old one no longer works/);
        const newUrl = await feedLink();
        expect(newUrl).not.toBe(oldUrl);
        expect((await raw("GET", oldUrl)).status).toBe(404);
        expect((await raw("GET", oldPage)).status).toBe(404);
        expect((await raw("GET", newUrl)).status).toBe(200);
      });

      it("opens the subscribe page from the person's feed link", async () => {
        const newUrl = await feedLink();
        const [popup] = await Promise.all([
          page.waitForEvent("popup"),
          page.getByRole("link", { name: "Open subscribe page" }).click(),
        ]);
        await popup.getByRole("heading", { name: "Dr. Ada Able" }).waitFor();
        expect(popup.url()).toBe(newUrl.replace("/feeds/", "/subscribe/").replace(/\.ics$/, ""));
        const upcoming = await popup.locator("#upcoming li").allTextContents();
        expect(upcoming).toHaveLength(target.upcoming.length);
        target.upcoming.forEach((line, i) => expect(upcoming[i]).toMatch(line));
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
        const lookup = await admin<{ revision: number; feed: { url: string } }>(
          "GET",
          "/admin/orgs/acme/schedules/icu",
        );
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
          .poll(() => state.textContent(), { timeout: 30_000 })
          .toMatch(/^succeeded: (\d+) of \1 feeds/);
        const progress = page.getByRole("progressbar", { name: "Regeneration progress" });
        // Two people and the schedule.
        expect(await progress.evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([3, 3]);
        expect(await accessibilityViolations(page)).toEqual([]);
      });

      it("shows traffic: requests, 304 share, the busiest clients", async () => {
        // The polls above (the person's feed, old and new, the schedule's) as the runtime records them.
        await expect
          .poll(
            async () =>
              (await admin<{ windows: { requests: number }[] }>("GET", "/admin/traffic")).windows[0]!
                .requests,
            { timeout: TELEMETRY_MS },
          )
          .toBeGreaterThanOrEqual(4);
        await page.getByRole("navigation").getByRole("link", { name: "Traffic" }).click();
        await page.getByRole("heading", { name: "Traffic" }).waitFor();
        const windows = await page
          .locator("#traffic-windows tbody tr")
          .first()
          .locator("td")
          .allTextContents();
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
}
