/**
 * An oversized publish sent as careful HTTP clients send big uploads (curl above 1 MiB): `Expect: 100-continue`,
 * then the body only once the server says `100 Continue` — or not at all, when the server answers first. Over a
 * real socket to the Worker in workerd, a body over `MAX_SNAPSHOT_BYTES` is refused with `413` and the JSON error
 * naming the limit (never a `500`), whether the client waits for `100 Continue` or sends the body anyway.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "../../support/fixture.ts";
import { startWorkerd, type WorkerdServer } from "./workerd.ts";

const LIMIT = 4 * 1024 * 1024;
const SIZE = Math.round(4.5 * 1024 * 1024);

/**
 * Sends a PUT with `Expect: 100-continue` and a `SIZE`-byte body; the body goes after `100 Continue` (or at once
 * when `eager`). Resolves with the final status line and the body of the final answer.
 */
function putWithExpect(
  base: string,
  path: string,
  eager: boolean,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const body = Buffer.alloc(SIZE, 0x20);
    let received = Buffer.alloc(0);
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      socket.write(body, () => undefined);
    };
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A server that answered and closed may reset a body still being written: the answer already arrived.
      if (!finish()) reject(error);
    });
    socket.setTimeout(30_000, () => socket.destroy(new Error("no answer within 30 s of silence")));
    const finish = (): boolean => {
      const text = received.toString("latin1");
      for (let at = 0; at < text.length;) {
        const end = text.indexOf("\r\n\r\n", at);
        if (end < 0) return false;
        const head = text.slice(at, end);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
        if (status === 100) {
          send();
          at = end + 4;
          continue;
        }
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
        const rest = received.subarray(end + 4);
        if (Number.isNaN(length) || rest.length < length) return false;
        resolve({ status, body: rest.subarray(0, length).toString("utf8") });
        socket.destroy();
        return true;
      }
      return false;
    };
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      finish();
    });
    socket.write(
      `PUT ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${SIZE}\r\nExpect: 100-continue\r\n\r\n`,
    );
    if (eager) send();
  });
}

describe("a publish over the size limit with Expect: 100-continue (workerd, real socket)", () => {
  let server: WorkerdServer;
  beforeAll(async () => {
    server = await startWorkerd({}, { MAX_SNAPSHOT_BYTES: String(LIMIT) });
  }, 120_000);
  afterAll(() => server?.close());

  for (const eager of [false, true]) {
    it(`answers 413 naming the limit (${eager ? "body sent at once" : "body after 100 Continue"})`, async () => {
      const reply = await putWithExpect(server.url, "/admin/orgs/acme/schedules/icu", eager);
      expect(reply.status, reply.body).toBe(413);
      const json = JSON.parse(reply.body) as { error: { code: string; message: string; limit?: number } };
      expect(json.error.code).toBe("payload_too_large");
      expect(json.error.message).toContain(String(LIMIT));
      // The Worker still serves afterwards.
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
    }, 90_000);
  }
});
