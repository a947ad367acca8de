/**
 * Bidi isolation in every page, in real Chromium: an organization, a schedule, a shift and a person whose names
 * end in an unclosed RIGHT-TO-LEFT OVERRIDE (U+202E) must not reverse the page's own sentence after them, on the
 * server-rendered subscribe pages (a person's and a schedule's) and in the admin page's lists, headings and
 * dialog. Checked by where the browser lays the words out: each word after a name must sit to the right of the one
 * before it (`Range.getBoundingClientRect`), and the letters of a word left to right.
 */
import { createServer, type AddressInfo } from "node:net";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.ts";
import { skipWithout } from "../support/parsers.ts";
import { ADMIN_TOKEN, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

const RLO = "\u202E";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The left edge on screen of each of `words` inside `element`, each searched after the previous one in the
 * element's text (the first after `after`, when given), and of each letter of the last word.
 */
function layout(element: Locator, words: string[], after = "") {
  return element.evaluate(
    (root, { words, after }) => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      const nodes: Text[] = [];
      for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
      const text = nodes.map((n) => n.data).join("");
      /** A range over text offsets [start, end) of the element's whole text. */
      const range = (start: number, end: number) => {
        const r = document.createRange();
        let offset = 0;
        for (const n of nodes) {
          const next = offset + n.data.length;
          if (start >= offset && start < next) r.setStart(n, start - offset);
          if (end > offset && end <= next) r.setEnd(n, end - offset);
          offset = next;
        }
        return r;
      };
      let at = after ? text.indexOf(after) + after.length : 0;
      const lefts: number[] = [];
      let last = { start: 0, word: "" };
      for (const word of words) {
        const start = text.indexOf(word, at);
        if (start < 0) throw new Error(`"${word}" not found after ${at} in ${JSON.stringify(text)}`);
        lefts.push(range(start, start + word.length).getBoundingClientRect().left);
        last = { start, word };
        at = start + word.length;
      }
      const letters = [...last.word].map(
        (_, i) => range(last.start + i, last.start + i + 1).getBoundingClientRect().left,
      );
      return { lefts, letters };
    },
    { words, after },
  );
}

/** Asserts the words (and the last word's letters) run left to right, as the page wrote them. */
async function readsLeftToRight(element: Locator, words: string[], after = "") {
  await element.first().waitFor();
  const { lefts, letters } = await layout(element.first(), words, after);
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  expect(lefts, `words ${words.join(", ")}`).toEqual(sorted(lefts));
  expect(new Set(lefts).size).toBe(lefts.length);
  expect(letters, `letters of ${words.at(-1)}`).toEqual(sorted(letters));
}

describe.skipIf(skipWithout("the browser tests of bidi isolation in the pages", ["chromium"]))(
  "names with an unclosed right-to-left override, in Chromium",
  () => {
    let h: Harness;
    let browser: Browser;
    let page: Page;
    let base: string;

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      h = await startHarness({ env: { PORT: String(port), PUBLIC_URL: base, SERVE_THREADS: "1" } });
      const snapshot = makeSnapshot({
        organization: { id: "acme", name: `Acme${RLO}`, tier: "standard" },
        schedule: { id: "icu", name: `Intensive${RLO}`, timezone: "America/New_York" },
        people: [
          { id: "pA", name: `Ada${RLO}` },
          { id: "pB", name: "Bo Baker" },
        ],
      });
      snapshot.shifts[0]!.name = `Day${RLO}`;
      expect((await h.publish(snapshot)).status).toBe(200);
      browser = await launchChromium();
      page = await browser.newPage();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await h?.close();
    });

    it("a person's subscribe page: the organization's sentence, the next shifts and the title", async () => {
      const person = (await h.admin("GET", "/admin/orgs/acme/people/pA")).json as {
        feed: { subscribeUrl: string };
      };
      await page.goto(person.feed.subscribeUrl);
      await readsLeftToRight(
        page.locator("p.muted").first(),
        ["your", "shifts", "calendar", "updates"],
        "Acme",
      );
      await readsLeftToRight(page.locator("#upcoming li").first(), ["North", "Tower"], "Day");
      expect(await page.title()).toBe(`\u2068Ada${RLO}\u2069: subscribe to your shifts`);
    });

    it("a schedule's subscribe page: the department sentence", async () => {
      const schedule = (await h.admin("GET", "/admin/orgs/acme/schedules/icu")).json as {
        feed: { url: string };
      };
      await page.goto(schedule.feed.url.replace("/feeds/", "/subscribe/").replace(/\.ics$/, ""));
      await readsLeftToRight(
        page.locator("main p", { hasText: "department calendar" }),
        ["everyone", "shifts"],
        "Intensive",
      );
    });

    it("the admin page: search results, headings, the schedule's people and the rotation dialog", async () => {
      await page.goto(`${base}/admin`);
      await page.evaluate((token) => sessionStorage.setItem("shiftfeed.adminToken", token), ADMIN_TOKEN);
      await page.goto(`${base}/admin#/?q=a`);
      await readsLeftToRight(page.locator("#results li", { hasText: "pA" }), ["acme", "pA", "icu"], "Ada");
      await readsLeftToRight(
        page.locator("#results li", { hasText: "people" }),
        ["acme", "people"],
        "Intensive",
      );

      await page.goto(`${base}/admin#/schedules/acme/icu`);
      // The schedule's own heading: the search view's stays on the page until the new view replaces it.
      await page.getByRole("heading", { level: 1, name: /Intensive/ }).waitFor();
      await readsLeftToRight(page.locator("li", { hasText: "pA" }), ["·", "pA"], "Ada");

      await page.goto(`${base}/admin#/people/acme/pA`);
      await page.getByRole("button", { name: "Rotate link…" }).click();
      await readsLeftToRight(page.locator("#rotate-title"), ["'s", "link?"], "Ada");
      expect(await page.title()).toBe(`\u2068Ada${RLO}\u2069 · shiftfeed admin`);
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    });
  },
);
