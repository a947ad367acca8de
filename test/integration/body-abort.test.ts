/**
 * Row 10 of issue 6: a publish whose client sent fewer body bytes than `Content-Length` (then closed, or went
 * quiet) was logged as `unhandled Error: aborted` with a stack and counted as a 500. Such a body is a `408`: one
 * log line saying what happened, no stack, counted under 408 in `/metrics`, and nothing written. Over raw sockets
 * against the real server.
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Partial {
  /** The body's head as sent; `Content-Length` declares `declared` bytes, or the body is chunked without one. */
  sent: string;
  declared?: number;
  /** End the socket after sending (the client gives up), or keep it open (the client stalls). */
  close: boolean;
}

/** Writes a publish whose body never completes; resolves to whatever the server answered before closing. */
function partialPublish(url: string, { sent, declared, close }: Partial): Promise<string> {
  const { hostname, port } = new URL(url);
  const length = declared === undefined ? "Transfer-Encoding: chunked" : `Content-Length: ${declared}`;
  const body = declared === undefined ? `${Buffer.byteLength(sent).toString(16)}\r\n${sent}\r\n` : sent;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        "PUT /admin/orgs/acme/schedules/icu HTTP/1.1\r\n" +
          `Host: ${hostname}\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
          `Content-Type: application/json\r\n${length}\r\n\r\n${body}`,
      );
      if (close) socket.end();
    });
    let answer = "";
    socket.on("data", (b: Buffer) => {
      answer += b.toString();
      if (answer.includes("\r\n\r\n") && answer.endsWith("}")) socket.end();
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

/** The log lines of requests (and errors), once the server has logged the one it is finishing. */
async function requestLogs(h: Harness): Promise<Record<string, unknown>[]> {
  for (let i = 0; i < 50 && !h.logs.some((l) => l.includes('"event":"request"')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    await h.settle();
  }
  // Every start logs which tz data it renders with and when the validator index is filled; what is asserted is
  // what the request logged.
  const startUp = new Set(["tz_data", "validator_index_filled"]);
  return h.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((line) => !startUp.has(String(line["event"])));
}

async function expectCountedAs408(h: Harness) {
  const metrics = (await h.admin("GET", "/metrics")).text;
  expect(metrics).toContain('shiftfeed_http_requests_total{route="admin",status="408"} 1');
  expect(metrics).not.toContain('status="500"');
}

describe("row 10: a publish body that never fully arrives", () => {
  const text = JSON.stringify(makeSnapshot());

  it("client closes after fewer bytes than Content-Length → one 408 log line, no stack, counted as 408", async () => {
    h = await startHarness();
    const before = await h.storeListing();
    await partialPublish(h.url, { sent: text.slice(0, 40), declared: text.length, close: true });
    const logs = await requestLogs(h);
    expect(logs).toEqual([
      expect.objectContaining({
        level: "info",
        event: "request",
        method: "PUT",
        status: 408,
        error: "The request body ended early: the connection closed before all of it arrived.",
      }),
    ]);
    expect(h.logs.join("\n")).not.toMatch(/stack|unhandled/);
    await expectCountedAs408(h);
    expect(await h.storeListing()).toEqual(before);
  });

  it.each([
    ["Content-Length larger than what is sent", text.length],
    ["a chunked body whose next chunk never comes", undefined],
  ])("client stalls (%s) → 408 answered after the idle timeout", async (_name, declared) => {
    h = await startHarness({ bodyIdleTimeoutMs: 300 });
    const started = performance.now();
    const answer = await partialPublish(h.url, { sent: text.slice(0, 40), declared, close: false });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"request_timeout"');
    expect(answer).toContain("nothing was received for 0.3 s");
    const logs = await requestLogs(h);
    expect(logs).toEqual([expect.objectContaining({ event: "request", status: 408 })]);
    expect(h.logs.join("\n")).not.toMatch(/stack|unhandled/);
    await expectCountedAs408(h);
  });

  it("a body that keeps arriving within the idle timeout is read whole", async () => {
    h = await startHarness({ bodyIdleTimeoutMs: 300 });
    const { hostname, port } = new URL(h.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          "PUT /admin/orgs/acme/schedules/icu HTTP/1.1\r\n" +
            `Host: ${hostname}\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nConnection: close\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${text.length}\r\n\r\n`,
        );
        const parts = [text.slice(0, 100), text.slice(100, 200), text.slice(200)];
        parts.forEach((part, i) => setTimeout(() => socket.write(part), 150 * (i + 1)));
      });
      let out = "";
      socket.on("data", (b: Buffer) => (out += b.toString()));
      socket.on("close", () => resolve(out));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});
