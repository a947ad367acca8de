/**
 * Debian's Chromium driven by playwright-core (which downloads no browser of its own): the launch flags that work
 * on a headless CI machine, a fresh profile per launch, a QR code read back from a screenshot with jsQR, and an
 * accessibility check of the page as it stands with axe-core (Deque's rules engine).
 */
import axe from "axe-core";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import * as jsqr from "jsqr";
import { PNG } from "pngjs";
import { CHROMIUM } from "./parsers.ts";

/** Starts headless Chromium with a fresh profile (playwright-core gives each launch a new `--user-data-dir`). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

type Decode = (rgba: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

/** The text a QR code on screen encodes, read from a screenshot of `element` (throws when none is found). */
export async function readQrCode(element: Locator): Promise<string> {
  const png = PNG.sync.read(await element.screenshot());
  // jsqr is CommonJS: under Node its default export arrives as a property of the module namespace.
  const decode = (jsqr as unknown as { default: Decode }).default;
  const found = decode(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!found) throw new Error("no QR code found in the element");
  return found.data;
}

/** The WCAG 2.1 A and AA rules axe-core checks (labels, names, contrast, landmarks, ARIA use …). */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * The accessibility violations axe-core finds in the page as it stands, as `rule: target, …` lines (empty when
 * none). axe is evaluated through the DevTools protocol, which the page's CSP does not govern.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async (tags) => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    const result = await run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.map((v) => ({ id: v.id, targets: v.nodes.map((n) => String(n.target)) }));
  }, WCAG_TAGS);
  return violations.map((v) => `${v.id}: ${v.targets.join(", ")}`);
}
