/**
 * Model-based test (fast-check commands): random sequences of publish, stale publish, retire, rotate, regenerate
 * and GET, over real sockets, against a small model of what each person's feed must contain (one marker per live
 * schedule listing them, of that schedule's latest revision) and which links must answer (a rotated link is dead for
 * good; a person no live schedule lists gets 404 at their link, and the same link back when they return, never an
 * older one). Each run starts on a fresh database. More runs with `SHIFTFEED_LONG_TESTS=1`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, T0, feedPath, raw, serveApp, type Reply } from "../support/server.ts";
import { markedRevision, markerOf, markersIn } from "../support/marked-revisions.ts";
import { createStack } from "../support/stack.ts";
import { LONG_TESTS } from "../support/long-tests.ts";

const SCHEDULES = ["icu", "er"] as const;
const PEOPLE = ["p1", "p2", "p3", "p4"] as const;
type Schedule = (typeof SCHEDULES)[number];
type Person = (typeof PEOPLE)[number];

interface Model {
  /** Live schedules: who they list and the marker of their latest revision. */
  live: Map<Schedule, { people: Set<Person>; marker: string }>;
  /** Last revision published per schedule (kept across retirements, so revisions only grow). */
  rev: Map<Schedule, number>;
  /** Each person's current link as last seen (kept while they are away: it is theirs again when they return). */
  link: Map<Person, string>;
  /** Links that must answer 404 forever. */
  dead: Set<string>;
}

interface Real {
  url: string;
  admin(method: string, path: string, body?: unknown): Promise<Reply>;
}

const isLive = (m: Model, p: Person) => [...m.live.values()].some((s) => s.people.has(p));

class Publish implements fc.AsyncCommand<Model, Real> {
  readonly schedule: Schedule;
  readonly people: Person[];
  constructor(schedule: Schedule, people: Person[]) {
    this.schedule = schedule;
    this.people = people;
  }
  check = () => true;
  async run(m: Model, r: Real) {
    const rev = (m.rev.get(this.schedule) ?? 0) + 1;
    const marker = markerOf(this.schedule, rev);
    const reply = await r.admin(
      "PUT",
      `/admin/orgs/acme/schedules/${this.schedule}`,
      markedRevision(this.schedule, rev, this.people),
    );
    expect(reply.status, reply.text).toBe(200);
    m.rev.set(this.schedule, rev);
    m.live.set(this.schedule, { people: new Set(this.people), marker });
  }
  toString = () => `publish(${this.schedule}, ${this.people.join("+")})`;
}

class StalePublish implements fc.AsyncCommand<Model, Real> {
  readonly schedule: Schedule;
  constructor(schedule: Schedule) {
    this.schedule = schedule;
  }
  check = (m: Readonly<Model>) => m.live.has(this.schedule);
  async run(m: Model, r: Real) {
    const rev = m.rev.get(this.schedule)!;
    // Same revision, other content (listing exactly the live people again would be an identical replay: 200).
    const live = [...m.live.get(this.schedule)!.people].sort().join(",");
    const people: Person[] = live === "p1" ? ["p1", "p2"] : ["p1"];
    const reply = await r.admin(
      "PUT",
      `/admin/orgs/acme/schedules/${this.schedule}`,
      markedRevision(this.schedule, rev, people),
    );
    expect(reply.status, reply.text).toBe(409);
    expect((reply.json as { error: { details: unknown } }).error).toBeDefined();
  }
  toString = () => `stale(${this.schedule})`;
}

class Retire implements fc.AsyncCommand<Model, Real> {
  readonly schedule: Schedule;
  constructor(schedule: Schedule) {
    this.schedule = schedule;
  }
  check = (m: Readonly<Model>) => m.live.has(this.schedule);
  async run(m: Model, r: Real) {
    const reply = await r.admin("DELETE", `/admin/orgs/acme/schedules/${this.schedule}`);
    expect(reply.status, reply.text).toBe(200);
    m.live.delete(this.schedule);
  }
  toString = () => `retire(${this.schedule})`;
}

class Rotate implements fc.AsyncCommand<Model, Real> {
  readonly person: Person;
  constructor(person: Person) {
    this.person = person;
  }
  check = (m: Readonly<Model>) => isLive(m as Model, this.person);
  async run(m: Model, r: Real) {
    const reply = await r.admin("POST", `/admin/orgs/acme/people/${this.person}/rotate`);
    expect(reply.status, reply.text).toBe(200);
    const fresh = feedPath((reply.json as { feed: { url: string } }).feed.url);
    const old = m.link.get(this.person);
    if (old !== undefined) {
      expect(fresh).not.toBe(old);
      m.dead.add(old);
    }
    m.link.set(this.person, fresh);
  }
  toString = () => `rotate(${this.person})`;
}

class Regenerate implements fc.AsyncCommand<Model, Real> {
  readonly force: boolean;
  constructor(force: boolean) {
    this.force = force;
  }
  check = () => true;
  async run(_m: Model, r: Real) {
    const queued = await r.admin("POST", "/admin/regenerate", { force: this.force });
    expect(queued.status, queued.text).toBe(202);
    const id = (queued.json as { job: { id: string } }).job.id;
    for (let i = 0; ; i++) {
      const job = (await r.admin("GET", `/admin/jobs/${id}`)).json as { state: string; errors: unknown[] };
      if (job.state === "succeeded" || job.state === "failed") {
        expect(job).toMatchObject({ state: "succeeded", errors: [] });
        return;
      }
      expect(i).toBeLessThan(500);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  toString = () => `regenerate(${this.force ? "force" : ""})`;
}

class Get implements fc.AsyncCommand<Model, Real> {
  readonly person: Person;
  constructor(person: Person) {
    this.person = person;
  }
  check = () => true;
  async run(m: Model, r: Real) {
    const lookup = await r.admin("GET", `/admin/orgs/acme/people/${this.person}`);
    if (!isLive(m, this.person)) {
      expect(lookup.status, lookup.text).toBe(404);
      const away = m.link.get(this.person);
      if (away !== undefined)
        expect((await raw("GET", r.url + away)).status, "the link of a person away").toBe(404);
    } else {
      expect(lookup.status, lookup.text).toBe(200);
      const link = feedPath((lookup.json as { feed: { url: string } }).feed.url);
      expect(m.dead.has(link), "a dead link came back").toBe(false);
      const known = m.link.get(this.person);
      if (known !== undefined) expect(link).toBe(known);
      m.link.set(this.person, link);
      const feed = await raw("GET", r.url + link);
      expect(feed.status).toBe(200);
      const markers = [...markersIn(feed.text)].flatMap(([s, revs]) =>
        [...revs].map((rev) => markerOf(s, rev)),
      );
      const expected = [...m.live.values()].filter((s) => s.people.has(this.person)).map((s) => s.marker);
      expect(markers.sort()).toEqual(expected.sort());
    }
    for (const link of m.dead) expect((await raw("GET", r.url + link)).status, link).toBe(404);
  }
  toString = () => `get(${this.person})`;
}

const schedule = fc.constantFrom(...SCHEDULES);
const person = fc.constantFrom(...PEOPLE);
const commands = [
  fc.tuple(schedule, fc.subarray([...PEOPLE], { minLength: 1 })).map(([s, people]) => new Publish(s, people)),
  schedule.map((s) => new StalePublish(s)),
  schedule.map((s) => new Retire(s)),
  person.map((p) => new Rotate(p)),
  fc.boolean().map((force) => new Regenerate(force)),
  person.map((p) => new Get(p)),
  person.map((p) => new Get(p)),
];

describe("model: publish / retire / rotate / regenerate / GET sequences", () => {
  it(
    "every feed holds exactly what the live schedules say, and dead links stay dead",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: LONG_TESTS ? 60 : 25 }), async (cmds) => {
          const stack = await createStack({ now: T0 });
          const served = await serveApp(stack.app);
          const real: Real = {
            url: served.url,
            admin: (method, path, body) =>
              raw(method, served.url + path, {
                headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
                ...(body === undefined ? {} : { body: JSON.stringify(body) }),
              }),
          };
          const model: Model = { live: new Map(), rev: new Map(), link: new Map(), dead: new Set() };
          try {
            await fc.asyncModelRun(() => ({ model, real }), cmds);
          } finally {
            await served.close();
          }
        }),
        { numRuns: LONG_TESTS ? 200 : 60 },
      );
    },
    LONG_TESTS ? 1_800_000 : 120_000,
  );
});
