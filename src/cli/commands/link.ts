/**
 * `shiftfeed link <org> <person>` and `shiftfeed rotate <org> <person>`: a person's links (https, webcal, Google,
 * the subscribe page) and a QR code of the subscribe page drawn in the terminal; rotation asks first (or `--yes`).
 */
import { createInterface } from "node:readline/promises";
import QRCode from "qrcode";
import { adminApi, output, seg, UsageError, type GlobalOptions } from "../context.ts";
import { terminalLine as safe } from "../terminal-text.ts";

interface PersonView {
  name: string;
  org: string;
  person: string;
  feed: { url: string; webcalUrl: string; googleUrl: string; subscribeUrl: string };
  lastFetch: { client: string; at: string; status: number; userAgent: string | null }[];
}

/** The person's links as text (every value from the server made safe for a terminal), and the QR code drawn. */
async function describe(p: PersonView, qr: boolean): Promise<{ text: string; drawn: string }> {
  const lines = [
    `${safe(p.name)} (${safe(p.org)}/${safe(p.person)})`,
    `  feed:       ${safe(p.feed.url)}`,
    `  webcal:     ${safe(p.feed.webcalUrl)}`,
    `  Google:     ${safe(p.feed.googleUrl)}`,
    `  subscribe:  ${safe(p.feed.subscribeUrl)}`,
    ...p.lastFetch.map(
      (f) =>
        `  last fetch: ${safe(String(f.client))} ${safe(String(f.at))} ${safe(String(f.status))} ${safe(f.userAgent ?? "")}`,
    ),
  ];
  if (!qr) return { text: lines.join("\n"), drawn: "" };
  lines.push("", "Scan to open the subscribe page on a phone:");
  // The QR code's own escapes (black on white) are the CLI's drawing; the URL is only in its modules.
  const drawn = await QRCode.toString(p.feed.subscribeUrl, { type: "terminal", small: true });
  return { text: lines.join("\n"), drawn };
}

export async function link(
  org: string,
  person: string,
  options: GlobalOptions & { qr: boolean },
): Promise<void> {
  const { call } = adminApi(options);
  const view = await call<PersonView>("GET", `/admin/orgs/${seg(org)}/people/${seg(person)}`);
  const { text, drawn } = options.json ? { text: "", drawn: "" } : await describe(view, options.qr);
  output(options, view, () => text, drawn);
}

export async function rotate(
  org: string,
  person: string,
  options: GlobalOptions & { yes?: boolean },
): Promise<void> {
  const { call } = adminApi(options);
  if (!options.yes) {
    if (!process.stdin.isTTY) {
      throw new UsageError(
        `rotating kills ${safe(org)}/${safe(person)}'s current link: pass --yes to confirm`,
      );
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(
      `Rotate ${safe(org)}/${safe(person)}'s link? The current one stops working at once. [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write("Not rotated.\n");
      process.exitCode = 1;
      return;
    }
  }
  const view = await call<PersonView>("POST", `/admin/orgs/${seg(org)}/people/${seg(person)}/rotate`);
  const text = options.json
    ? ""
    : `New link; the old one no longer works.\n${(await describe(view, false)).text}`;
  output(options, view, () => text);
}
