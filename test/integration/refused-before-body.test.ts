/**
 * A publish the server will refuse for its headers is refused on them, before a byte of its body is waited for:
 * a body that is not JSON (or is compressed) gets its `415` while the client is still sending, whether the
 * request is answered in the main thread or handed from a serving thread to it. Over raw sockets against the real
 * server; the client sends the first kilobyte of a 16 MiB body and then nothing, so an answer that waited for the
 * body would be the idle timeout's `408`, not a `415`.
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Sends a publish's headers and the first kilobyte of a 16 MiB body, then waits; resolves to the answer. */
function stalledPublish(url: string, headers: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        "PUT /admin/orgs/acme/schedules/icu HTTP/1.1\r\n" +
          `Host: ${hostname}\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n${headers}` +
          `Content-Length: ${16 << 20}\r\n\r\n${"x".repeat(1024)}`,
      );
    });
    let answer = "";
    socket.on("data", (b: Buffer) => {
      answer += b.toString();
      if (answer.includes("\r\n\r\n") && answer.endsWith("}")) socket.destroy();
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe.each([
  ["in the main thread", "0"],
  ["through serving threads", "2"],
])("a publish refused for its headers (%s)", (_name, threads) => {
  it.each([
    ["another media type", "Content-Type: text/plain\r\n", /The request says `text\/plain`/],
    [
      "a compressed body",
      "Content-Type: application/json\r\nContent-Encoding: gzip\r\n",
      /must not be compressed/,
    ],
  ])("%s → 415 at once, the body never waited for", async (_what, headers, message) => {
    // A 5 s idle timeout: a server that read the body first answers 408 after it.
    h = await startHarness({ env: { SERVE_THREADS: threads }, bodyIdleTimeoutMs: 5_000 });
    const before = await h.storeListing();
    const started = performance.now();
    const answer = await stalledPublish(h.url, headers);
    expect(answer).toMatch(/^HTTP\/1\.1 415 /);
    expect(answer).toMatch(message);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(await h.storeListing()).toEqual(before);
    // The connection's refusal left the server as it was: a proper publish goes through.
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
});
