/**
 * No control character from data or the network reaches a terminal through the CLI: hostile names, notes and
 * user agents published into the real server, then `shiftfeed link`, `stats`, `validate` and `publish` run as child
 * processes, their raw output bytes checked for ESC, BEL, C1 controls (the single-byte CSI U+009B included) and
 * bidi formatting; and the same against a server whose every answer is hostile (error bodies, job errors).
 */
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terminalJson, terminalText } from "../../src/cli/terminal-text.ts";
import { runCli, type CliRun } from "../support/cli-process.ts";
import { ADMIN_TOKEN, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

const ESC = "\x1b";
const BEL = "\x07";
/** Title change, screen clear, clipboard write (OSC 52), an 8-bit CSI, an unclosed right-to-left override. */
const HOSTILE = `Bob ${ESC}]0;PWNED${BEL}${ESC}[2J${ESC}]52;c;ZWNobyBQV05FRA==${BEL}\u009b2J\r\bX\u202Eevil`;

/**
 * What a terminal would obey in `bytes`: C0 controls other than newline (and tab), DEL, C1 controls as UTF-8
 * (C2 80–C2 9F), and bidi formatting characters. `allowSgr`: the QR code's own colour sequences are allowed.
 */
function obeyed(bytes: Buffer, allowSgr = false): string[] {
  let text = bytes.toString("utf8");
  // eslint-disable-next-line no-control-regex
  if (allowSgr) text = text.replace(/\x1b\[(?:0|30|37|47)m/g, "");
  const unsafe = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g; // eslint-disable-line no-control-regex
  const found = text.match(unsafe) ?? [];
  return found.map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`);
}

const clean = (run: CliRun, allowSgr = false) => {
  expect(obeyed(run.stdoutBytes, allowSgr), run.stdout).toEqual([]);
  expect(obeyed(run.stderrBytes), run.stderr).toEqual([]);
};

describe("terminalText", () => {
  it("writes every control, C1, DEL and bidi formatting character visibly, and keeps the rest", () => {
    expect(terminalText(HOSTILE)).toBe(
      "Bob \\u{1B}]0;PWNED\\u{7}\\u{1B}[2J\\u{1B}]52;c;ZWNobyBQV05FRA==\\u{7}\\u{9B}2J\\u{D}\\u{8}X\\u{202E}evil",
    );
    for (const c of ["\x00", "\x7f", "\u0085", "\u061c", "\u200f", "\u2066", "\u2069", "\u2028", "\u2029"])
      expect(terminalText(`a${c}b`)).toMatch(/^a\\u\{[0-9A-F]+\}b$/);
    expect(terminalText("Zoë Ñúñez 山田 עברית\\path")).toBe("Zoë Ñúñez 山田 עברית\\path");
  });

  it("keeps newline and tab only where the CLI lays out a block", () => {
    expect(terminalText("a\nb\tc")).toBe("a\\u{A}b\\u{9}c");
    expect(terminalText("a\nb\tc\r", { layout: true })).toBe("a\nb\tc\\u{D}");
    expect(terminalText(terminalText(HOSTILE))).toBe(terminalText(HOSTILE));
  });

  it("keeps --json valid: the same value, with nothing a terminal obeys", () => {
    const value = { name: HOSTILE, list: ["\u009b", "\u2028"] };
    const json = terminalJson(value);
    expect(JSON.parse(json)).toEqual(value);
    expect(obeyed(Buffer.from(json))).toEqual([]);
  });
});

describe("hostile text from a real server never reaches the terminal", () => {
  let h: Harness;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "1" } });
    env = { SHIFTFEED_URL: h.url, SHIFTFEED_ADMIN_TOKEN: ADMIN_TOKEN };
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-terminal-"));
    const snapshot = makeSnapshot({
      organization: { id: "acme", name: `Acme ${HOSTILE}`, tier: "standard" },
      people: [
        { id: "pA", name: HOSTILE },
        { id: "pB", name: "Dr. Bo Baker" },
      ],
    });
    snapshot.assignments[0]!.note = HOSTILE;
    expect((await h.publish(snapshot)).status).toBe(200);
    // A user agent with an 8-bit CSI (0x9B, read by the server as U+009B) and a bidi override, on a raw socket.
    const path = await h.feedPathOf("acme", "pA");
    const { port } = new URL(h.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.end(
          Buffer.concat([
            Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nUser-Agent: Evil/1 `),
            Buffer.from([0x9b, 0x32, 0x4a]),
            Buffer.from("\r\nConnection: close\r\n\r\n"),
          ]),
        ),
      );
      socket.on("data", () => {});
      socket.on("end", resolve);
      socket.on("error", reject);
    });
    await h.settle();
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("`link` shows the hostile name and user agent visibly escaped, in text, with the QR code, and as JSON", async () => {
    const text = await runCli(["link", "acme", "pA", "--no-qr"], env);
    expect(text.code, text.stderr).toBe(0);
    clean(text);
    expect(text.stdout).toContain("Bob \\u{1B}]0;PWNED\\u{7}\\u{1B}[2J");
    expect(text.stdout).toContain("Evil/1 \\u{9B}2J");
    const withQr = await runCli(["link", "acme", "pA"], env);
    expect(withQr.code, withQr.stderr).toBe(0);
    clean(withQr, true);
    const json = await runCli(["link", "acme", "pA", "--json"], env);
    clean(json);
    expect((JSON.parse(json.stdout) as { name: string }).name).toBe(HOSTILE);
  });

  it("`stats`, `rotate`, and errors that repeat what was typed are clean too", async () => {
    const stats = await runCli(["stats"], env);
    expect(stats.code, stats.stderr).toBe(0);
    clean(stats);
    expect(stats.stdout).toContain("Evil/1 \\u{9B}2J");
    clean(await runCli(["stats", "--json"], env));
    const rotate = await runCli(["rotate", "acme", `p${ESC}]0;PWNED${BEL}`], env);
    expect(rotate.code).toBe(2);
    clean(rotate);
    const unknown = await runCli([`${ESC}[2Jbogus`], env);
    expect(unknown.code).toBe(2);
    clean(unknown);
  });

  it("`validate` and `publish` name a hostile file and its problems without obeying them", async () => {
    const file = join(dir, `bad${ESC}]0;PWNED${BEL}.json`);
    const snapshot = makeSnapshot({ revision: -1 });
    (snapshot.people[0] as { id: string }).id = `x${ESC}[2J\u009b\u202E`;
    await writeFile(file, JSON.stringify(snapshot));
    const validate = await runCli(["validate", file], env);
    expect(validate.code).toBe(1);
    clean(validate);
    const publish = await runCli(["publish", file], env);
    expect(publish.code).toBe(1);
    clean(publish);
    expect(publish.stderr).toContain("bad\\u{1B}]0;PWNED\\u{7}.json was refused: HTTP 422");
    const folder = await runCli(["publish", dir], env);
    expect(folder.code).toBe(1);
    clean(folder);
  });
});

describe("a server whose every answer is hostile", () => {
  let server: Server;
  let env: Record<string, string>;
  beforeAll(async () => {
    const person = {
      name: HOSTILE,
      org: `acme${ESC}[2J`,
      person: "pA",
      feed: {
        url: `http://x/${ESC}]52;c;AA==${BEL}`,
        webcalUrl: "webcal://x",
        googleUrl: "https://g",
        subscribeUrl: "http://x/s",
      },
      lastFetch: [{ client: `google${BEL}`, at: `2026${ESC}[2J`, status: 200, userAgent: HOSTILE }],
    };
    const job = {
      id: `j${ESC}]0;PWNED${BEL}`,
      state: "failed",
      done: 1,
      total: 1,
      updated: 0,
      errors: [{ scope: HOSTILE, message: HOSTILE }],
    };
    const traffic = {
      windows: [
        {
          minutes: 5,
          requests: 1,
          notModifiedShare: 0,
          tooManyRequests: 0,
          unavailable: 0,
          top: [{ org: HOSTILE, feed: HOSTILE, client: HOSTILE, userAgent: HOSTILE, requests: 1 }],
        },
      ],
    };
    const refusal = {
      error: { code: "invalid", message: HOSTILE, details: [{ path: `$.${ESC}[2J`, message: HOSTILE }] },
    };
    server = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      req.resume();
      req.on("end", () => {
        const url = req.url ?? "";
        if (url.startsWith("/admin/search")) send(200, { people: [], schedules: [] });
        else if (url === "/admin/orgs/acme/people/pA") send(200, person);
        else if (url === "/admin/regenerate") send(202, { job });
        else if (url.startsWith("/admin/jobs/")) send(200, job);
        else if (url === "/admin/traffic") send(200, traffic);
        else if (req.method === "PUT") send(422, refusal);
        else {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(HOSTILE);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    env = {
      SHIFTFEED_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      SHIFTFEED_ADMIN_TOKEN: ADMIN_TOKEN,
    };
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each([
    [["link", "acme", "pA"], 0, true],
    [["link", "acme", "pB"], 1, false],
    [["stats"], 0, false],
    [["regenerate", "--interval", "50"], 1, false],
    [["publish", "fixtures/demo/stmarys--cardiology.json"], 1, false],
    [["publish", "fixtures/demo"], 1, false],
  ])("%j prints nothing a terminal obeys", async (args, code, qr) => {
    const run = await runCli(args, env);
    expect(run.code, run.stderr).toBe(code);
    clean(run, qr);
    expect(`${run.stdout}${run.stderr}`).toContain("\\u{1B}");
  });
});
