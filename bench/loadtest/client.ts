/**
 * One class of the load test's clients in a process of its own (`node bench/loadtest/client.ts <job.json>`), so
 * that the latency an ordinary subscriber sees is not the latency of a busy load generator. Writes every
 * request's send time, status and latency to the job's `out` file when the class's time is over.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { getOnce, Lane, requestBytes, type RawAnswer } from "./raw-http.ts";
import { setTimeout as sleep } from "node:timers/promises";
import {
  addressOf,
  CLIENT_HEADERS,
  DEPARTMENT,
  HAMMER,
  PARTNER,
  RETRY,
  SHARED_FETCHER,
  SLOWLORIS,
  SUBSCRIBERS,
  TIMELINE,
  type ClientJob,
  type Sample,
} from "./plan.ts";

const job = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as ClientJob;
const samples: Sample[] = [];
const now = () => (Date.now() - job.t0) / 1000;
const until = (second: number) => sleep(Math.max(0, job.t0 + second * 1000 - Date.now()));

const port = Number(new URL(job.url).port);
const host = new URL(job.url).host;

/** Times one request and records it as a sample. */
async function timed(send: () => Promise<RawAnswer>): Promise<RawAnswer> {
  const sent = now();
  const started = performance.now();
  const answer = await send();
  samples.push([sent, answer.status, performance.now() - started]);
  return answer;
}

/** One GET on a fresh connection from `from`. */
const getFresh = (path: string, headers: Record<string, string>, from: string) =>
  timed(() => getOnce(port, requestBytes(host, path, headers, true), from));

/** `count` kept-alive connections from one address; each request goes to the next free one. */
function lanes(count: number, from: string) {
  const all = Array.from({ length: count }, () => new Lane(port, from));
  const free = [...all];
  const queue: (() => void)[] = [];
  // Timed from the call, waiting for a free connection included (as a client with a connection pool sees it).
  const get = (path: string, headers: Record<string, string>): Promise<RawAnswer> =>
    timed(async () => {
      while (free.length === 0) await new Promise<void>((resolve) => queue.push(resolve));
      const lane = free.pop()!;
      try {
        return await lane.get(requestBytes(host, path, headers, false));
      } finally {
        free.push(lane);
        queue.shift()?.();
      }
    });
  return { get, close: () => all.forEach((l) => l.close()) };
}

const jitter = (seconds: number, spread: number) => seconds * (1 - spread + 2 * spread * Math.random());

/** Ordinary subscribers: their client's headers, their validators, a fresh connection each poll. */
async function subscribers(): Promise<void> {
  await Promise.all(
    job.targets.map(async (t, i) => {
      const from = addressOf("subscriber", i);
      let etag: string | undefined;
      let modified: string | undefined;
      await until(Math.random() * SUBSCRIBERS.intervalSeconds);
      while (now() < TIMELINE.end) {
        const headers: Record<string, string> = { ...CLIENT_HEADERS[t.kind] };
        if (t.kind === "apple" && modified) headers["if-modified-since"] = modified;
        if (t.kind === "outlook" && etag) headers["if-none-match"] = etag;
        const a = await getFresh(t.path, headers, from);
        if (a.status === 200) {
          etag = String(a.headers.etag);
          modified = String(a.headers["last-modified"]);
        }
        await sleep(jitter(SUBSCRIBERS.intervalSeconds, 0.1) * 1000);
      }
    }),
  );
}

/** The partner: all its tokens at once every few seconds, with the tags it kept. */
async function partner(): Promise<void> {
  const agent = lanes(PARTNER.connections, addressOf("partner"));
  const etags = new Map<string, string>();
  for (let round = 0; TIMELINE.stormStart + round * PARTNER.everySeconds < TIMELINE.stormEnd; round++) {
    await until(TIMELINE.stormStart + round * PARTNER.everySeconds);
    await Promise.all(
      job.targets.map(async (t) => {
        const inm = etags.get(t.path);
        const a = await agent.get(t.path, {
          ...CLIENT_HEADERS.outlook,
          ...(inm && { "if-none-match": inm }),
        });
        if (a.status === 200) etags.set(t.path, String(a.headers.etag));
      }),
    );
  }
  agent.close();
}

/** One client re-downloading one feed as fast as its rate allows, whatever it is told. */
async function hammer(): Promise<void> {
  const agent = lanes(HAMMER.connections, addressOf("hammer"));
  const path = job.targets[0]!.path;
  await until(TIMELINE.stormStart);
  const pending: Promise<unknown>[] = [];
  for (let n = 0; now() < TIMELINE.stormEnd; n++) {
    pending.push(agent.get(path, { ...CLIENT_HEADERS.outlook }));
    await until(TIMELINE.stormStart + n / HAMMER.perSecond);
  }
  await Promise.all(pending);
  agent.close();
}

/** Clients that poll, and on any error retry after exactly one second (no jitter, Retry-After ignored). */
async function retryStorm(): Promise<void> {
  await Promise.all(
    job.targets.map(async (t, i) => {
      const from = addressOf(job.cls, i);
      let next = TIMELINE.stormStart;
      while (next < TIMELINE.stormEnd) {
        await until(next);
        const a = await getFresh(t.path, { ...CLIENT_HEADERS.google }, from);
        next += a.status === 200 || a.status === 304 ? RETRY.pollSeconds : RETRY.retrySeconds;
      }
    }),
  );
}

/** One address holding sockets open with a header line now and then; a closed one is opened again. */
async function slowloris(): Promise<void> {
  let open = true;
  const hold = async () => {
    while (open) {
      const opened = now();
      const started = performance.now();
      await new Promise<void>((resolve) => {
        const socket = connect({ port, host: "127.0.0.1", localAddress: addressOf("slowloris") });
        let n = 0;
        const timer = setInterval(
          () => socket.writable && socket.write(`X-Slow-${n++}: a\r\n`),
          SLOWLORIS.trickleMs,
        );
        const stop = setInterval(() => !open && socket.destroy(), 200);
        socket.on("connect", () => socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
        socket.on("error", () => undefined);
        socket.on("close", () => {
          clearInterval(timer);
          clearInterval(stop);
          // A sample per connection: how long the server let it live (status 0: closed without an answer).
          samples.push([opened, 0, performance.now() - started]);
          resolve();
        });
      });
      if (open) await sleep(1000); // an attacker reconnects, but not in a busy loop
    }
  };
  await until(TIMELINE.stormStart);
  const holders = Array.from({ length: SLOWLORIS.connections }, () => hold());
  await until(TIMELINE.stormEnd);
  open = false;
  await Promise.all(holders);
}

/** A shared fetcher: every link, live and dead, in full from one address, spread evenly over each round. */
async function sharedFetcher(): Promise<void> {
  const agent = lanes(SHARED_FETCHER.connections, addressOf("shared-fetcher"));
  const links = job.targets;
  const pending: Promise<unknown>[] = [];
  for (let n = 0; ; n++) {
    const at = (n * SHARED_FETCHER.everySeconds) / links.length;
    if (at >= TIMELINE.end) break;
    await until(at);
    pending.push(agent.get(links[n % links.length]!.path, { ...CLIENT_HEADERS.google }));
  }
  await Promise.all(pending);
  agent.close();
}

/** A department's link on many phones, each polling it from its own address with its validators. */
async function department(): Promise<void> {
  const path = job.targets[0]!.path;
  await Promise.all(
    Array.from({ length: DEPARTMENT.phones }, async (_, i) => {
      const from = addressOf("department", i);
      let modified: string | undefined;
      await until(Math.random() * DEPARTMENT.intervalSeconds);
      while (now() < TIMELINE.end) {
        const headers: Record<string, string> = { ...CLIENT_HEADERS.apple };
        if (modified) headers["if-modified-since"] = modified;
        const a = await getFresh(path, headers, from);
        if (a.status === 200) modified = String(a.headers["last-modified"]);
        await sleep(jitter(DEPARTMENT.intervalSeconds, 0.1) * 1000);
      }
    }),
  );
}

const run = {
  subscriber: subscribers,
  partner,
  hammer,
  "retry-enterprise": retryStorm,
  "retry-standard": retryStorm,
  slowloris,
  "shared-fetcher": sharedFetcher,
  department,
}[job.cls];
await run();
writeFileSync(job.out, JSON.stringify(samples));
