/**
 * Requests to the Worker under test, through its real fetch handler inside workerd (`exports.default`), with
 * the test secrets; and the Durable Object of an organization, to reach inside it (its clock).
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { vi } from "vitest";
import type { OrgObject } from "../../../src/worker/org-object.ts";
import { ADMIN_TOKEN, type SnapshotInput } from "../../support/fixture.ts";

/** A Worker answer with its body read as bytes and text. */
export interface WorkerReply {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  text: string;
  json: unknown;
}

export async function call(method: string, path: string, init: RequestInit = {}): Promise<WorkerReply> {
  const response = await exports.default.fetch(
    new Request(`https://feeds.example.org${path}`, { method, ...init }),
  );
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, bytes, text, json };
}

/** An admin call with the bearer secret; an object body goes as JSON. */
export function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const h = new Headers({ authorization: `Bearer ${ADMIN_TOKEN}`, ...headers });
  let payload: BodyInit | undefined;
  if (typeof body === "string" || body instanceof Uint8Array) payload = body as BodyInit;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!h.has("content-type")) h.set("content-type", "application/json");
  }
  return call(method, path, { headers: h, body: payload });
}

/** Publishes a snapshot to its own organization and schedule. */
export function publish(snapshot: SnapshotInput) {
  return admin("PUT", `/admin/orgs/${snapshot.organization.id}/schedules/${snapshot.schedule.id}`, snapshot);
}

/** The feed path of a person (`/feeds/<token>.ics`), from the admin lookup. */
export async function feedPathOf(org: string, person: string): Promise<string> {
  const reply = await admin("GET", `/admin/orgs/${org}/people/${person}`);
  if (reply.status !== 200) throw new Error(`lookup ${org}/${person}: ${reply.status} ${reply.text}`);
  return new URL((reply.json as { feed: { url: string } }).feed.url).pathname;
}

/** An organization's Durable Object. */
export function orgObject(org: string) {
  return env.ORGS.get(env.ORGS.idFromName(org));
}

/** Sets the clock of an organization's Durable Object (ms since the epoch). */
export function setClock(org: string, now: number): Promise<void> {
  return runInDurableObject(orgObject(org), (object: OrgObject) => {
    object.clock = () => now;
  });
}

/** Runs an organization's queued work (job steps, edge writes) alarm by alarm until none is left. */
export async function settle(org: string): Promise<void> {
  const stub = orgObject(org);
  for (let rounds = 0; !(await stub.idle()); rounds++) {
    if (rounds > 10_000) throw new Error(`${org} never became idle`);
    if (!(await runDurableObjectAlarm(stub))) await scheduler.wait(5);
  }
}

/**
 * The test's R2 bucket with every call told to `seen` (its method name and arguments) before it is made; while
 * `failing.on`, each call fails instead (an R2 fault).
 */
export function watchedBucket(
  seen: (method: string, args: unknown[]) => void,
  failing: { on: boolean } = { on: false },
): R2Bucket {
  return new Proxy(env.FEEDS, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        seen(String(name), args);
        if (failing.on) return Promise.reject(new Error("injected R2 failure"));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The JSON log lines (`workerLogger`'s, at every level) written while `run` runs. */
export async function logLines(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const spies = (["log", "warn", "error"] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((text: unknown) => {
      lines.push(JSON.parse(String(text)) as Record<string, unknown>);
    }),
  );
  try {
    await run();
    return lines;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
