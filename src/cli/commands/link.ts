/**
 * `shiftfeed link <org> <person>` and `shiftfeed rotate <org> <person>`: a person's links (https, webcal, Google,
 * the subscribe page) and a QR code of the subscribe page drawn in the terminal; rotation asks first (or `--yes`).
 */
import { createInterface } from "node:readline/promises";
import QRCode from "qrcode";
import { adminApi, output, seg, UsageError, type GlobalOptions } from "../context.ts";

interface PersonView {
  name: string;
  org: string;
  person: string;
  feed: { url: string; webcalUrl: string; googleUrl: string; subscribeUrl: string };
  lastFetch: { client: string; at: string; status: number; userAgent: string | null }[];
}

async function describe(p: PersonView, qr: boolean): Promise<string> {
  const lines = [
    `${p.name} (${p.org}/${p.person})`,
    `  feed:       ${p.feed.url}`,
    `  webcal:     ${p.feed.webcalUrl}`,
    `  Google:     ${p.feed.googleUrl}`,
    `  subscribe:  ${p.feed.subscribeUrl}`,
    ...p.lastFetch.map((f) => `  last fetch: ${f.client} ${f.at} ${f.status} ${f.userAgent ?? ""}`),
  ];
  if (qr) {
    lines.push("", "Scan to open the subscribe page on a phone:");
    lines.push(await QRCode.toString(p.feed.subscribeUrl, { type: "terminal", small: true }));
  }
  return lines.join("\n");
}

export async function link(
  org: string,
  person: string,
  options: GlobalOptions & { qr: boolean },
): Promise<void> {
  const { call } = adminApi(options);
  const view = await call<PersonView>("GET", `/admin/orgs/${seg(org)}/people/${seg(person)}`);
  const text = options.json ? "" : await describe(view, options.qr);
  output(options, view, () => text);
}

export async function rotate(
  org: string,
  person: string,
  options: GlobalOptions & { yes?: boolean },
): Promise<void> {
  const { call } = adminApi(options);
  if (!options.yes) {
    if (!process.stdin.isTTY) {
      throw new UsageError(`rotating kills ${org}/${person}'s current link: pass --yes to confirm`);
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(
      `Rotate ${org}/${person}'s link? The current one stops working at once. [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write("Not rotated.\n");
      process.exitCode = 1;
      return;
    }
  }
  const view = await call<PersonView>("POST", `/admin/orgs/${seg(org)}/people/${seg(person)}/rotate`);
  const text = options.json ? "" : `New link; the old one no longer works.\n${await describe(view, false)}`;
  output(options, view, () => text);
}
