/**
 * Regressions from the adversarial run of issue 6 (snapshot ingest rows), over real sockets against the real
 * Node server: one block per reported defect, named after what a hostile user saw and what they expected.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSnapshot, startHarness, type Harness, type Reply } from "../support/server.ts";

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

/** Asserts status and code of a JSON error and returns its `error` object. */
function expectError(reply: Reply, status: number, code: string): ErrorBody["error"] {
  expect(reply.status, reply.text.slice(0, 500)).toBe(status);
  expect(reply.headers["content-type"]).toMatch(/^application\/json/);
  const body = reply.json as ErrorBody;
  expect(body.error.code).toBe(code);
  return body.error;
}

const PUBLISH = "/admin/orgs/acme/schedules/icu";
const JSON_TYPE = { "content-type": "application/json" };

describe("publish regressions (issue 6)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
  afterAll(() => h.close());

  describe("row 8: people `.` and `..` were published, then their URLs 404ed forever", () => {
    it("refuses them at publish with a 422 that says why", async () => {
      const s = makeSnapshot({ revision: 2 });
      s.people[1]!.id = "..";
      s.assignments[1]!.personId = "..";
      const error = expectError(await h.publish(s), 422, "invalid_snapshot");
      expect(error.details.map((d) => d.path)).toEqual(["$.people[1].id", "$.assignments[1].personId"]);
      expect(error.details[0]!.message).toContain("no URL could address it");
      expect((await h.admin("GET", "/admin/orgs/acme/schedules/icu")).json).toMatchObject({ revision: 1 });
    });

    it("a person `...` is published and addressable by lookup and rotate", async () => {
      const s = makeSnapshot({ revision: 3 });
      s.people[1]!.id = "...";
      s.assignments[1]!.personId = "...";
      expect((await h.publish(s)).status).toBe(200);
      const lookup = await h.admin("GET", "/admin/orgs/acme/people/...");
      expect(lookup.status, lookup.text).toBe(200);
      expect(lookup.json).toMatchObject({ person: "..." });
      expect((await h.admin("POST", "/admin/orgs/acme/people/.../rotate")).status).toBe(200);
      expect((await h.feed(await h.feedPathOf("acme", "..."))).status).toBe(200);
    });
  });

  describe("row 12: one 30 MiB unknown key produced a 62.9 MB 422 body", () => {
    it("answers a 422 of a few hundred bytes", async () => {
      const text = JSON.stringify(makeSnapshot({ revision: 4 })).replace(
        /}$/,
        `,"${"k".repeat(30 << 20)}":1}`,
      );
      const reply = await h.admin("PUT", PUBLISH, text, JSON_TYPE);
      const error = expectError(reply, 422, "invalid_snapshot");
      expect(error.details).toHaveLength(1);
      expect(reply.body.length).toBeLessThan(64 * 1024);
    });
  });

  describe('row 14: `"revision": 1e309` said "got number null", no `format` said "got undefined undefined"', () => {
    it("says what was found", async () => {
      const text = JSON.stringify(makeSnapshot({ revision: 5 })).replace('"revision":5', '"revision":1e309');
      const huge = expectError(await h.admin("PUT", PUBLISH, text, JSON_TYPE), 422, "invalid_snapshot");
      expect(huge.details).toEqual([
        {
          path: "$.revision",
          message:
            "`revision` must be an integer from 1 to 9007199254740991, got a number too large to represent",
        },
      ]);
      const { format: _format, ...rest } = makeSnapshot({ revision: 5 });
      const missing = expectError(await h.admin("PUT", PUBLISH, rest), 422, "invalid_snapshot");
      expect(missing.details).toEqual([{ path: "$.format", message: "`format` is required" }]);
    });
  });

  describe('row 13: 5,000 bad dates said "The snapshot has 1001 problems."', () => {
    it("says 5000 and lists the first 1,000 with a summary of the rest", async () => {
      const assignments = Array.from({ length: 5000 }, (_, i) => ({
        id: `a${i}`,
        personId: "pA",
        shiftId: "day",
        date: "2026-02-30",
      }));
      const error = expectError(
        await h.publish(makeSnapshot({ revision: 6, assignments })),
        422,
        "invalid_snapshot",
      );
      expect(error.message).toBe("The snapshot has 5000 problems (the first 1000 are listed).");
      expect(error.details).toHaveLength(1001);
      expect(error.details.at(-1)).toEqual({
        path: "$",
        message: "4000 more problems not listed (at most 1000 are reported)",
      });
    });
  });

  describe("row 15: a name of only control characters was accepted and rendered as an empty calendar name", () => {
    it("refuses it with a message that shows what it held", async () => {
      const s = makeSnapshot({ revision: 7 });
      s.people[0]!.name = "\u0001\u200b\u202e";
      const error = expectError(await h.publish(s), 422, "invalid_snapshot");
      expect(error.details).toEqual([
        {
          path: "$.people[0].name",
          message:
            '`name` must contain a visible character, got "\\u0001\\u200b\\u202e": only spaces, control or invisible formatting characters',
        },
      ]);
    });
  });

  describe('row 16: with `"revision":2,"revision":1` the last key silently won', () => {
    it("refuses the duplicate with a 422 naming the key and its JSON path", async () => {
      const text = JSON.stringify(makeSnapshot({ revision: 9 })).replace(
        '"revision":9',
        '"revision":9,"revision":8',
      );
      const error = expectError(await h.admin("PUT", PUBLISH, text, JSON_TYPE), 422, "invalid_snapshot");
      expect(error.details).toEqual([
        {
          path: "$.revision",
          message:
            "`revision` appears more than once in this object; JSON parsers disagree on which value counts",
        },
      ]);
    });
  });

  describe("row 19: gzip publishes said `not valid UTF-8`, text/plain regenerates were accepted, a doubled charset was order-dependent", () => {
    const body = (revision: number) => JSON.stringify(makeSnapshot({ revision }));

    it("answers 415 with `Accept-Encoding: identity` for any content coding but identity", async () => {
      for (const coding of ["gzip", "br", "deflate", "identity, gzip", "x-custom"]) {
        const reply = await h.admin("PUT", PUBLISH, gzipSync(body(10)), {
          ...JSON_TYPE,
          "content-encoding": coding,
        });
        const error = expectError(reply, 415, "unsupported_media_type");
        expect(error.message).toContain("Content-Encoding");
        expect(reply.headers["accept-encoding"]).toBe("identity");
        const regenerate = await h.admin("POST", "/admin/regenerate", "{}", {
          ...JSON_TYPE,
          "content-encoding": coding,
        });
        expectError(regenerate, 415, "unsupported_media_type");
      }
      const identity = await h.admin("PUT", PUBLISH, body(10), {
        ...JSON_TYPE,
        "content-encoding": "Identity",
      });
      expect(identity.status, identity.text).toBe(200);
    });

    it("applies the one JSON content-type rule to regenerate", async () => {
      const regenerate = (payload: string, headers: Record<string, string>) =>
        h.admin("POST", "/admin/regenerate", payload, headers);
      expectError(await regenerate("{}", { "content-type": "text/plain" }), 415, "unsupported_media_type");
      expectError(await regenerate("", { "content-type": "text/plain" }), 415, "unsupported_media_type");
      expectError(await regenerate("{}", {}), 415, "unsupported_media_type");
      expect((await regenerate("", {})).status).toBe(202); // no body, no type: everything
      expect((await regenerate("{}", JSON_TYPE)).status).toBe(202);
      expect(
        (await regenerate('{"org":"acme"}', { "content-type": 'Application/JSON ; Charset="UTF-8"' })).status,
      ).toBe(202);
    });

    it("refuses a doubled parameter as ambiguous in either order, and parses quoted values", async () => {
      for (const type of [
        "application/json; charset=utf-8; charset=iso-8859-1",
        "application/json; charset=iso-8859-1; charset=utf-8",
        "application/json; charset=utf-8; charset=utf-8",
      ]) {
        const publish = expectError(
          await h.admin("PUT", PUBLISH, body(11), { "content-type": type }),
          415,
          "unsupported_media_type",
        );
        expect(publish.message).toContain("parameter `charset` is given twice");
        expectError(
          await h.admin("POST", "/admin/regenerate", "{}", { "content-type": type }),
          415,
          "unsupported_media_type",
        );
      }
      const quoted = await h.admin("PUT", PUBLISH, body(11), {
        "content-type": 'application/json;charset="utf-8"',
      });
      expect(quoted.status, quoted.text).toBe(200);
    });

    it("reads a regeneration scope like a snapshot: no duplicate keys, ids of the id form", async () => {
      const error = expectError(
        await h.admin("POST", "/admin/regenerate", '{"org":"acme","org":"other","person":".."}', JSON_TYPE),
        400,
        "bad_request",
      );
      expect(error.details).toEqual([
        { path: "$.org", message: "`org` appears more than once" },
        {
          path: "$.person",
          message: expect.stringMatching(/^`person` must not be "\." or "\.\.": /) as string,
        },
      ]);
    });
  });
});
