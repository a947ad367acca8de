/**
 * Real calendar parsers behind one normalized shape, for the conformance tests (`test/conformance/`).
 *
 * - {@link readWithIcalJs}: ical.js (Thunderbird's parser), with the feed's own VTIMEZONEs registered.
 * - {@link readWithPythonIcalendar}: Debian's python-icalendar through `test/render/python/read_feed.py`, using its
 *   VTIMEZONE-based reading (`start_vtz`/`end_vtz`: the wall time re-read through the feed's VTIMEZONE with the
 *   library's `Timezone.to_tz()`), not the pytz/tzdata one (`start_utc`/`end_utc`, checked in
 *   `test/render/parsers.test.ts`).
 * - {@link readWithLibical}: libical (Evolution's parser) through GObject (`test/conformance/readers/libical_read.py`),
 *   resolving every TZID through the feed's own VTIMEZONE.
 *
 * Python readers run Debian's `/usr/bin/python3` (never a pyenv one); {@link availability} says which Debian
 * packages are present and {@link skipWithout} turns a missing one into a visible warning and a skipped block.
 */
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { parseWithIcalJs, ROOT } from "./render-cases.ts";
import { feedPath, type Harness, type SnapshotInput } from "./server.ts";

/** One VEVENT as every reader reports it. */
export interface ReadEvent {
  uid: string;
  allDay: boolean;
  /** `YYYY-MM-DDTHH:MM:SSZ` (UTC) for timed events, `YYYY-MM-DD` for all-day ones. */
  start: string;
  /** Same form as `start`; exclusive for all-day events, as written in the feed. */
  end: string;
  summary: string | null;
  description: string | null;
  location: string | null;
  sequence: number;
}

export type Reader = (text: string) => Promise<ReadEvent[]>;

/**
 * Debian's interpreter and vdirsyncer. `SHIFTFEED_TEST_PYTHON` / `SHIFTFEED_TEST_VDIRSYNCER` override them, e.g. with
 * a path that does not exist to see what a test run skips on a machine without the packages.
 */
export const PYTHON = process.env["SHIFTFEED_TEST_PYTHON"] ?? "/usr/bin/python3";
export const VDIRSYNCER = process.env["SHIFTFEED_TEST_VDIRSYNCER"] ?? "/usr/bin/vdirsyncer";
/** Debian's Chromium, driven by playwright-core in the browser tests (`SHIFTFEED_TEST_CHROMIUM` overrides). */
export const CHROMIUM = process.env["SHIFTFEED_TEST_CHROMIUM"] ?? "/usr/bin/chromium";
export const LIBICAL_READER = `${ROOT}test/conformance/readers/libical_read.py`;
const READ_FEED_DIR = `${ROOT}test/render/python`;

const byUid = (a: ReadEvent, b: ReadEvent) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);

/** Runs a program with `input` on stdin; resolves to stdout, rejects with stderr on a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  input = "",
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      const stdout = Buffer.concat(out).toString("utf8");
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `${command} ${args.join(" ")} exited ${code}: ${Buffer.concat(err).toString("utf8").trim()}`,
          ),
        );
    });
    child.stdin.on("error", () => {}); // a reader that exits early reports through its exit code
    child.stdin.end(input);
  });
}

/** ical.js with the feed's own VTIMEZONEs registered (and only those); a timed event left floating is an error. */
export async function readWithIcalJs(text: string): Promise<ReadEvent[]> {
  return parseWithIcalJs(text)
    .map((e) => {
      if (!e.allDay && e.zone === "floating") throw new Error(`ical.js read ${e.uid} as a floating time`);
      return {
        uid: e.uid,
        allDay: e.allDay,
        start: e.start,
        end: e.end,
        summary: e.summary ?? null,
        description: e.description ?? null,
        location: e.location,
        sequence: e.sequence,
      };
    })
    .sort(byUid);
}

/**
 * python-icalendar: `read_feed.read()` gives UID and the VTIMEZONE-based instants (`start_vtz`/`end_vtz`); the
 * text properties and SEQUENCE come from the same library's parse of the same bytes.
 */
const PYTHON_ICALENDAR_SCRIPT = String.raw`
import json, os, sys, tempfile
sys.path.insert(0, sys.argv[1])
import read_feed
from icalendar import Calendar

data = sys.stdin.buffer.read()
fd, path = tempfile.mkstemp(suffix=".ics")
try:
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    events = read_feed.read(path)
finally:
    os.unlink(path)
vevents = Calendar.from_ical(data).walk("VEVENT")
if len(vevents) != len(events):
    raise SystemExit("read_feed.py saw %d events, icalendar %d" % (len(events), len(vevents)))

def text(event, name):
    return None if name not in event else str(event[name])

out = []
for read, event in zip(events, vevents):
    assert read["uid"] == str(event["UID"])
    out.append({
        "uid": read["uid"],
        "allDay": len(read["start_vtz"]) == 10,
        "start": read["start_vtz"],
        "end": read["end_vtz"],
        "summary": text(event, "SUMMARY"),
        "description": text(event, "DESCRIPTION"),
        "location": text(event, "LOCATION"),
        "sequence": int(event.get("SEQUENCE", 0)),
    })
sys.stdout.buffer.write(json.dumps(out, ensure_ascii=False).encode("utf-8"))
`;

/** Debian's python-icalendar, reading TZIDs through the feed's VTIMEZONEs (`read_feed.py`'s `*_vtz`). */
export async function readWithPythonIcalendar(text: string): Promise<ReadEvent[]> {
  const out = await run(PYTHON, ["-c", PYTHON_ICALENDAR_SCRIPT, READ_FEED_DIR], text);
  return (JSON.parse(out) as ReadEvent[]).sort(byUid);
}

/** libical through GObject, each TZID resolved through the feed's own VTIMEZONE (see libical_read.py). */
export async function readWithLibical(text: string): Promise<ReadEvent[]> {
  const out = await run(PYTHON, [LIBICAL_READER, "-"], text);
  return (JSON.parse(out) as ReadEvent[]).sort(byUid);
}

// ---- which Debian packages are present --------------------------------------------------------------------

/**
 * `python3`: Debian's interpreter with `zoneinfo` and the system tz database, which the oracle runs on;
 * `pythonIcalendar`, `libical`, `vdirsyncer`: the readers; `prometheusClient`: the Prometheus project's Python
 * client, whose text-format parser reads `/metrics`; `chromium`: the browser the admin page is tested in.
 */
export type Tool = "python3" | "pythonIcalendar" | "libical" | "vdirsyncer" | "prometheusClient" | "chromium";

export interface Availability {
  python3: boolean;
  pythonIcalendar: boolean;
  libical: boolean;
  vdirsyncer: boolean;
  prometheusClient: boolean;
  chromium: boolean;
  /** The Debian packages missing for a tool (empty when it can run). */
  missing: Record<Tool, string[]>;
}

export interface ToolPaths {
  python?: string;
  vdirsyncer?: string;
  chromium?: string;
}

/** Whether a file exists and may be run (Chromium is not started just to ask its version). */
function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function succeeds(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
  return result.status === 0;
}

/** Probes the interpreter and vdirsyncer (defaults: Debian's `/usr/bin/python3`, `/usr/bin/vdirsyncer`). */
export function availability(paths: ToolPaths = {}): Availability {
  const python = paths.python ?? PYTHON;
  const vdirsyncer = paths.vdirsyncer ?? VDIRSYNCER;
  const py = succeeds(python, ["-c", 'import zoneinfo; zoneinfo.ZoneInfo("Europe/Dublin")']);
  const icalendar = py && succeeds(python, ["-c", "import icalendar"]);
  const gi = py && succeeds(python, ["-c", "import gi"]);
  const ical = gi && succeeds(python, ["-c", LIBICAL_IMPORT]);
  const vdir = succeeds(vdirsyncer, ["--version"]);
  const prometheus = py && succeeds(python, ["-c", "import prometheus_client.parser"]);
  const chromium = executable(paths.chromium ?? CHROMIUM);
  const missing: Record<Tool, string[]> = {
    python3: py ? [] : ["python3", "tzdata"],
    pythonIcalendar: icalendar ? [] : py ? ["python3-icalendar"] : ["python3", "python3-icalendar"],
    libical: ical
      ? []
      : gi
        ? ["gir1.2-ical-3.0"]
        : py
          ? ["python3-gi", "gir1.2-ical-3.0"]
          : ["python3", "python3-gi", "gir1.2-ical-3.0"],
    vdirsyncer: vdir ? [] : ["vdirsyncer"],
    prometheusClient: prometheus
      ? []
      : py
        ? ["python3-prometheus-client"]
        : ["python3", "python3-prometheus-client"],
    chromium: chromium ? [] : ["chromium"],
  };
  return {
    python3: py,
    pythonIcalendar: icalendar,
    libical: ical,
    vdirsyncer: vdir,
    prometheusClient: prometheus,
    chromium,
    missing,
  };
}

const LIBICAL_IMPORT = 'import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib';

let probed: Availability | undefined;
/** {@link availability} of the real tools, probed once per test file. */
export function present(): Availability {
  return (probed ??= availability());
}

/**
 * The skip message for a block that needs `tools`, or `null` when all are present. The message names the missing
 * Debian packages; {@link skipWithout} prints it.
 */
export function skipMessage(
  what: string,
  tools: readonly Tool[],
  avail: Availability = present(),
): string | null {
  const missing = [...new Set(tools.flatMap((t) => avail.missing[t]))];
  if (missing.length === 0) return null;
  const packages =
    missing.length === 1 ? `Debian package ${missing[0]} is` : `Debian packages ${missing.join(", ")} are`;
  return `skipping ${what}: ${packages} not installed (CI installs ${missing.length === 1 ? "it" : "them"} via .ci/run)`;
}

/**
 * For `describe.skipIf(skipWithout(...))`: warns (visibly, via `console.warn`) and returns true when a tool is
 * missing — except in CI (`CI` set, as `.ci/run` runs), where a missing tool throws, so the test file fails
 * instead of passing with its real-client checks skipped.
 */
export function skipWithout(
  what: string,
  tools: readonly Tool[],
  avail: Availability = present(),
  env: Record<string, string | undefined> = process.env,
): boolean {
  const message = skipMessage(what, tools, avail);
  return message === null ? false : skipVisibly(message, env);
}

/**
 * Skips visibly: warns with `message` ("skipping …: Debian package X is not installed …") and returns true — or,
 * in CI (`CI` set, as `.ci/run` runs), throws, so a test that needs a package never passes by being skipped.
 */
export function skipVisibly(message: string, env: Record<string, string | undefined> = process.env): true {
  if (env["CI"] !== undefined && env["CI"] !== "" && env["CI"] !== "false" && env["CI"] !== "0") {
    throw new Error(`${message.replace(/^skipping/, "cannot run")}; in CI every such test must run`);
  }
  console.warn(message);
  return true;
}

// ---- helpers -------------------------------------------------------------------------------------------

/** Runs `task` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---- the independent expectation and the served fixtures ---------------------------------------------

/** One event as `test/conformance/oracle.py` expects it (Python zoneinfo, independent of shiftfeed's code). */
export interface OracleEvent {
  uid: string;
  org: string;
  schedule: string;
  person: string;
  allDay: boolean;
  start: string;
  end: string;
}

export const ORACLE = `${ROOT}test/conformance/oracle.py`;

/** Runs the oracle over snapshot files (paths relative to the repository root) at the clock `now`. */
export async function oracle(now: string, files: readonly string[]): Promise<OracleEvent[]> {
  const out = await run(PYTHON, [ORACLE, "--now", now, ...files.map((f) => `${ROOT}${f}`)]);
  return (JSON.parse(out) as { events: OracleEvent[] }).events;
}

/** A feed served by the harness, with what the oracle says it must hold. */
export interface ServedFeed {
  /** `<org>--person-<id>` or `<org>--schedule-<id>`. */
  name: string;
  kind: "person" | "schedule";
  org: string;
  id: string;
  /** The feed URL on the live socket. */
  url: string;
  /** The identity bytes served (no Accept-Encoding), as text. */
  text: string;
  /** The oracle's events for this feed, sorted by uid. */
  expected: OracleEvent[];
}

interface SnapshotIds {
  organization: { id: string };
  schedule: { id: string };
  people: { id: string }[];
}

/**
 * Publishes snapshot files through the admin API of a running harness (in order), then fetches every person feed
 * and every schedule feed (URLs from the admin lookups) and pairs each with the oracle's events at `now`
 * (`expected` stays empty with `withOracle = false`).
 */
export async function serveFixtures(
  harness: Harness,
  files: readonly string[],
  now: string,
  withOracle = true,
): Promise<ServedFeed[]> {
  const snapshots = files.map(
    (f) => JSON.parse(readFileSync(`${ROOT}${f}`, "utf8")) as SnapshotInput & SnapshotIds,
  );
  for (const [i, snapshot] of snapshots.entries()) {
    const reply = await harness.publish(snapshot);
    if (reply.status !== 200) throw new Error(`publish ${files[i]}: ${reply.status} ${reply.text}`);
  }
  const events = withOracle ? await oracle(now, files) : [];
  const feeds: Omit<ServedFeed, "text" | "url">[] = [];
  const seen = new Set<string>();
  for (const s of snapshots) {
    const org = s.organization.id;
    // A later revision of a schedule lists its feed once (the oracle expects one revision per schedule).
    if (!seen.has(`${org}/schedule/${s.schedule.id}`)) {
      seen.add(`${org}/schedule/${s.schedule.id}`);
      feeds.push({
        name: `${org}--schedule-${s.schedule.id}`,
        kind: "schedule",
        org,
        id: s.schedule.id,
        expected: events.filter((e) => e.org === org && e.schedule === s.schedule.id),
      });
    }
    for (const p of s.people) {
      if (seen.has(`${org}/${p.id}`)) continue;
      seen.add(`${org}/${p.id}`);
      feeds.push({
        name: `${org}--person-${p.id}`,
        kind: "person",
        org,
        id: p.id,
        expected: events.filter((e) => e.org === org && e.person === p.id),
      });
    }
  }
  feeds.sort((a, b) => (a.name < b.name ? -1 : 1));
  return mapLimit(feeds, 8, async (f) => {
    let path: string;
    if (f.kind === "person") path = await harness.feedPathOf(f.org, f.id);
    else {
      const reply = await harness.admin("GET", `/admin/orgs/${f.org}/schedules/${f.id}`);
      const link = (reply.json as { feed?: { url: string } | null } | undefined)?.feed?.url;
      if (reply.status !== 200 || !link)
        throw new Error(`schedule lookup ${f.org}/${f.id}: ${reply.status} ${reply.text}`);
      path = feedPath(link);
    }
    // A PUBLIC_URL with a path (a proxy mounting the service below it) prefixes the path the service serves.
    path = path.slice(path.indexOf("/feeds/"));
    const reply = await harness.feed(path);
    if (reply.status !== 200) throw new Error(`GET ${f.name}: ${reply.status}`);
    return { ...f, url: harness.url + path, text: reply.text };
  });
}

/** Every difference between what a reader saw and the oracle's events, as readable lines (empty: they agree). */
export function differences(
  feed: string,
  read: readonly ReadEvent[],
  expected: readonly OracleEvent[],
): string[] {
  const out: string[] = [];
  const want = new Map(expected.map((e) => [e.uid, e]));
  const got = new Map<string, ReadEvent>();
  for (const e of read) {
    if (got.has(e.uid)) out.push(`${feed}: ${e.uid} appears twice`);
    got.set(e.uid, e);
  }
  for (const [uid, e] of got) {
    const w = want.get(uid);
    if (!w) {
      out.push(`${feed}: unexpected ${uid} ${e.start} → ${e.end}`);
      continue;
    }
    if (e.allDay !== w.allDay || e.start !== w.start || e.end !== w.end) {
      const show = (x: { allDay: boolean; start: string; end: string }) =>
        `${x.start} → ${x.end}${x.allDay ? " (all-day)" : ""}`;
      out.push(`${feed}: ${uid} read ${show(e)}, oracle ${show(w)}`);
    }
  }
  for (const uid of want.keys()) if (!got.has(uid)) out.push(`${feed}: missing ${uid}`);
  return out;
}
