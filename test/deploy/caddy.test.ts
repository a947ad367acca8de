/**
 * The reverse-proxy setup the operations guide gives, run for real: Debian's `caddy` with `deploy/Caddyfile`
 * (parameterised only by names and ports, through the environment variables the file reads) terminating TLS with
 * its local CA in front of the real service (`node src/node/main.ts`, `CLIENT_IP_HEADER=X-Forwarded-For`). Clients
 * connect from two loopback source addresses (127.0.0.2, 127.0.0.3): shiftfeed must count them apart (the miss
 * budget of one does not touch the other), a client cannot name itself another address through the header, and no
 * token reaches any log — Caddy's access log, its error log, or shiftfeed's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startMain, type MainProcess } from "../support/process.ts";
import { ROOT } from "../support/render-cases.ts";
import { ADMIN_TOKEN, FEED_SECRET, makeSnapshot, raw } from "../support/server.ts";

const CADDYFILE = `${ROOT}deploy/Caddyfile`;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined);
});

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Caddy {
  port: number;
  ca: Buffer;
  /** Caddy's stdout (the access log) and stderr (its own log, errors of proxied requests included). */
  logs(): string;
}

/** Runs `caddy run` on the repository's Caddyfile, for `https://localhost:<port>` in front of `upstream`. */
async function startCaddy(upstream: string): Promise<Caddy> {
  const home = await mkdtemp(join(tmpdir(), "shiftfeed-caddy-"));
  cleanups.push(() => rm(home, { recursive: true, force: true }));
  const [port, httpPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    "/usr/bin/caddy",
    ["run", "--config", CADDYFILE, "--adapter", "caddyfile"],
    {
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: home,
        XDG_DATA_HOME: join(home, "data"),
        XDG_CONFIG_HOME: join(home, "config"),
        SHIFTFEED_SITE: `https://localhost:${port}`,
        SHIFTFEED_UPSTREAM: upstream,
        CADDY_HTTP_PORT: String(httpPort),
        CADDY_HTTPS_PORT: String(port),
        CADDY_ADMIN: "off",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let logs = "";
  child.stdout!.on("data", (b: Buffer) => (logs += b.toString("utf8")));
  child.stderr!.on("data", (b: Buffer) => (logs += b.toString("utf8")));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  cleanups.push(async () => {
    child.kill("SIGTERM");
    await exited;
  });
  const ca = join(home, "data", "caddy", "pki", "authorities", "local", "root.crt");
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`caddy exited:\n${logs}`);
    if (/serving initial configuration/.test(logs)) {
      const root = await readFile(ca).catch(() => null);
      // Caddy issues the site's certificate after it starts serving: until then a handshake gets an alert.
      if (root !== null && (await handshakes(port, root))) return { port, ca: root, logs: () => logs };
    }
    if (waited > 30_000) throw new Error(`caddy did not start:\n${logs}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a TLS handshake with `localhost` on `port` completes, checked against `ca` (no HTTP request sent). */
function handshakes(port: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, servername: "localhost", ca }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTPS request to Caddy from `from` (the client socket's local address), checked against Caddy's CA. */
function get(
  caddy: Caddy,
  from: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port: caddy.port,
        path,
        servername: "localhost",
        localAddress: from,
        ca: caddy.ca,
        agent: false,
        headers: { host: `localhost:${caddy.port}`, ...headers },
      },
      (res) => {
        let body = "";
        res.on("data", (b: Buffer) => (body += b.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const unknownToken = () => randomBytes(18).toString("base64url");

/** The service with a small miss budget (3), one schedule published; `header` is its CLIENT_IP_HEADER. */
async function startService(
  header: string | null,
): Promise<{ main: MainProcess; direct: string; feedPath: string }> {
  const dir = await mkdtemp(join(tmpdir(), "shiftfeed-proxy-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const main: MainProcess = startMain({
    DATA_DIR: dir,
    PORT: "0",
    HOST: "127.0.0.1",
    ADMIN_TOKEN,
    FEED_SECRET,
    PUBLIC_URL: "https://calendar.example.org",
    DEMO: "0",
    SERVE_THREADS: "2",
    RENDER_THREADS: "1",
    ...(header !== null && { CLIENT_IP_HEADER: header }),
    LIMIT_MISS_BURST: "3",
    LIMIT_MISS_PER_HOUR: "1",
  });
  cleanups.push(() => main.stop());
  const [, direct] = await main.waitFor(/listening on (http:\/\/\S+)/, 60_000);
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const published = await raw("PUT", `${direct}/admin/orgs/acme/schedules/icu`, {
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(makeSnapshot()),
  });
  expect(published.status, published.text).toBe(200);
  const person = (await raw("GET", `${direct}/admin/orgs/acme/people/pA`, { headers: auth })).json as {
    feed: { url: string };
  };
  const feedPath = new URL(person.feed.url).pathname;
  return { main, direct: direct!, feedPath };
}

describe("shiftfeed behind Caddy (deploy/Caddyfile)", () => {
  it("sees each client's own address, takes the address Caddy set, and no log holds a token", async () => {
    const { main, direct, feedPath } = await startService("X-Forwarded-For");
    const token = /\/feeds\/([^/.]+)/.exec(feedPath)![1]!;

    const caddy = await startCaddy(new URL(direct).host);
    // Through the proxy, over TLS checked against Caddy's CA: the feed itself.
    const feed = await get(caddy, "127.0.0.2", feedPath);
    expect(feed.status).toBe(200);
    expect(feed.body).toContain("BEGIN:VCALENDAR");
    expect((await get(caddy, "127.0.0.2", `/subscribe/${token}`)).status).toBe(200);

    // 127.0.0.2 spends its miss budget (3) on never-issued tokens, and is then refused further misses …
    const tried: string[] = [];
    const miss = async (from: string, headers: Record<string, string> = {}) => {
      const guess = unknownToken();
      tried.push(guess);
      return (await get(caddy, from, `/feeds/${guess}.ics`, headers)).status;
    };
    const first = [await miss("127.0.0.2"), await miss("127.0.0.2"), await miss("127.0.0.2")];
    expect(first).toEqual([404, 404, 404]);
    expect(await miss("127.0.0.2")).toBe(429);
    // … naming another client in its own X-Forwarded-For changes nothing: the last entry is Caddy's, .2 …
    expect(await miss("127.0.0.2", { "x-forwarded-for": "127.0.0.3" })).toBe(429);
    // … while 127.0.0.3, behind the same proxy (one peer address for shiftfeed), has its own budget.
    expect(await miss("127.0.0.3")).toBe(404);
    expect((await get(caddy, "127.0.0.3", feedPath)).status).toBe(200);

    // No token in any log: Caddy's access log has the requests, with the token cut out of every URI.
    await main.stop();
    const caddyLogs = caddy.logs();
    expect(caddyLogs).toContain('"uri":"/feeds/REDACTED"');
    expect(caddyLogs).toContain('"uri":"/subscribe/REDACTED"');
    const serviceLogs = main.stdout() + main.stderr();
    for (const secret of [token, ...tried]) {
      expect(caddyLogs).not.toContain(secret);
      expect(serviceLogs).not.toContain(secret);
    }
  }, 120_000);

  it("without CLIENT_IP_HEADER every client behind Caddy is the proxy's address: one miss budget for all", async () => {
    const { direct } = await startService(null);
    const caddy = await startCaddy(new URL(direct).host);
    for (let i = 0; i < 3; i++)
      expect((await get(caddy, "127.0.0.2", `/feeds/${unknownToken()}.ics`)).status).toBe(404);
    expect((await get(caddy, "127.0.0.3", `/feeds/${unknownToken()}.ics`)).status).toBe(429);
  }, 120_000);

  it("a token in any spelling leaves no run of 12 of its characters in Caddy's log, whatever the upstream answers", async () => {
    // An upstream that answers 200 to every path: the filter must hold even for a spelling shiftfeed would serve.
    const upstream = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => upstream.close(resolve)));
    const caddy = await startCaddy(`127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    const token = "dkrM-8HCQU06I_CNFCPyJQ19";
    const paths = [
      `/%73ubscribe/${token}`,
      `/%73%75%62%73%63%72%69%62%65/${token}`,
      `/%2573ubscribe/${token}`,
      `/f%65eds/${token}.ics`,
      `/subscribe/dkrM%2D8HCQU06I_CNFCPyJQ19`,
      `/subscribe/dkrM-8HCQU06I_CNF%0aCPyJQ19`,
      `/%73ubscribe/dkrM-8HCQU06I_CNF%0aCPyJQ19`,
      `//feeds/${token}.ics`,
      `/FEEDS/${token}.ics`,
      `/Subscribe/${token}`,
      `/other?link=${token}`,
    ];
    for (const path of paths) expect((await get(caddy, "127.0.0.2", path)).status, path).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const logs = caddy.logs();
    expect(logs.match(/"uri":/g)?.length ?? 0).toBeGreaterThanOrEqual(paths.length); // the requests were logged …
    for (let i = 0; i + 12 <= token.length; i++) expect(logs).not.toContain(token.slice(i, i + 12)); // … token cut
    expect(logs).toContain('"uri":"/%73ubscribe/REDACTED"');
    expect(logs).toContain('"uri":"/subscribe/REDACTED"');
  }, 60_000);

  it("X-Forwarded-For as Caddy sends it: the client's own header is replaced by its address, and an upstream error logs no token", async () => {
    const seen: (string | undefined)[] = [];
    const upstream = createServer((req, res) => {
      seen.push(req.headers["x-forwarded-for"] as string | undefined);
      res.end("ok");
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => upstream.close(resolve)));
    const caddy = await startCaddy(`127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    expect((await get(caddy, "127.0.0.2", "/healthz")).status).toBe(200);
    expect((await get(caddy, "127.0.0.3", "/healthz", { "x-forwarded-for": "198.51.100.7" })).status).toBe(
      200,
    );
    // Caddy 2.6 trusts no proxy before it unless told (trusted_proxies): it sets the header to the peer alone.
    expect(seen).toEqual(["127.0.0.2", "127.0.0.3"]);

    // The upstream gone: Caddy answers 502 and logs the failed request in its error log, token cut out.
    await new Promise((resolve) => upstream.close(resolve));
    const token = unknownToken();
    expect((await get(caddy, "127.0.0.2", `/feeds/${token}.ics`)).status).toBe(502);
    await new Promise((r) => setTimeout(r, 200));
    const logs = caddy.logs();
    expect(logs).toMatch(/"level":"error".*"uri":"\/feeds\/REDACTED"/);
    expect(logs).not.toContain(token);
  }, 60_000);
});
