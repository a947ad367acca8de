/**
 * Debian's Chromium driven by playwright-core (which downloads no browser of its own): the launch flags that work
 * on a headless CI machine, a fresh profile per launch, and a QR code read back from a screenshot with jsQR.
 */
import { chromium, type Browser, type Locator } from "playwright-core";
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
