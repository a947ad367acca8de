// A feed streamed part by part whose parts vanish mid-send: the connection is cut (the client never takes a short
// feed for a whole one), the failure is reported once, and the serving thread lives on to answer the next request.
// Before, the stream was piped without an error handler: the failure was an uncaught exception that ended the thread.
import { createServer, get as httpGet, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sendBody } from "../../src/node/feed-listener.ts";

let server: Server | null = null;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A stream that sends `first`, then fails (or, with `failWith` null, ends) once `release` is called. */
function parts(first: string, failWith: Error | null) {
  let release = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
      release = () => {
        // A stream the reader cancelled (the client hung up) is already closed: nothing left to end.
        try {
          if (failWith) controller.error(failWith);
          else controller.close();
        } catch {
          /* cancelled */
        }
      };
    },
  });
  return { body, release: () => release() };
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** What the client saw: the bytes it got and whether the answer ended cleanly. */
function fetchRaw(url: string): Promise<{ text: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ text, complete: res.complete }));
      res.on("error", () => resolve({ text, complete: false }));
      res.on("aborted", () => resolve({ text, complete: false }));
    }).on("error", reject);
  });
}

describe("a streamed body that fails while it is sent", () => {
  it("cuts the connection, reports the failure once, and the server answers the next request", async () => {
    const errors: unknown[] = [];
    const failure = new Error("stored parts vanished while it was sent");
    let stream: ReturnType<typeof parts> | null = null;
    const url = await listen((req, res) => {
      res.writeHead(200, { "content-type": "text/calendar" });
      if (req.url === "/fails") {
        stream = parts("BEGIN:VCALENDAR\r\n", failure);
        sendBody(res, stream.body, (error) => errors.push(error));
        setTimeout(() => stream!.release(), 50);
      } else sendBody(res, "whole", (error) => errors.push(error));
    });
    const cut = await fetchRaw(url + "/fails");
    expect(cut.complete).toBe(false);
    expect(cut.text).toBe("BEGIN:VCALENDAR\r\n");
    await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual([failure]);
    expect(await fetchRaw(url + "/next")).toEqual({ text: "whole", complete: true });
  });

  it("a client that hangs up mid-stream is no failure", async () => {
    const errors: unknown[] = [];
    let stream: ReturnType<typeof parts> | null = null;
    let closed!: () => void;
    const resClosed = new Promise<void>((done) => (closed = done));
    const url = await listen((_req, res) => {
      res.on("close", () => closed());
      res.writeHead(200, { "content-type": "text/calendar" });
      stream = parts("BEGIN:VCALENDAR\r\n", null);
      sendBody(res, stream.body, (error) => errors.push(error));
    });
    await new Promise<void>((resolve, reject) => {
      const req = httpGet(url, (res) => res.once("data", () => req.destroy()));
      req.on("error", () => {});
      req.on("close", () => resolve());
      setTimeout(() => reject(new Error("no answer")), 5_000);
    });
    await resClosed;
    stream!.release();
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual([]);
  });
});
