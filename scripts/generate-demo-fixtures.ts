/**
 * Generates the demo schedule snapshots in fixtures/demo/ (format `shiftfeed.snapshot/1`, see docs/snapshot-format.md):
 *
 *   stmarys--cardiology.json    St. Mary's Health (enterprise), America/New_York
 *   stmarys--emergency.json     St. Mary's Health, America/New_York
 *   stmarys--hospitalists.json  St. Mary's Health, America/Chicago (a second zone inside one organization)
 *   lakeside--anaesthesia.json  Lakeside Hospital (standard), Europe/London
 *
 * A realistic roster from 2026-11-16 to 2027-03-31 inclusive: daily coverage per schedule, fair rotation with
 * rest rules (no shift after a 24-hour call or an on-call, night blocks of at most three, at most 60 hours in any
 * seven days), multi-day leave with `endDate` (more of it around Christmas and New Year), post-call days, a few
 * notes and start/end overrides. People shared between schedules keep the same id and name, and their leave
 * lives in their first schedule. The 24-hour call and night shifts cover the spring-forward nights
 * (2027-03-13/14 in New York and Chicago, 2027-03-27/28 in London).
 *
 * Deterministic: a seeded mulberry32 PRNG, no clock, stable key order, 2-space JSON with a trailing newline.
 * Every run writes byte-identical files.
 *
 *   npm exec -- node scripts/generate-demo-fixtures.ts           # (re)write fixtures/demo/*.json
 *   npm exec -- node scripts/generate-demo-fixtures.ts --check   # exit 1 if the files on disk are stale
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import type { Assignment } from "../src/core/snapshot/types.ts";
import { Rng } from "../src/cli/fixtures/random.ts";

// ---------------------------------------------------------------- calendar dates (pure, no clock)

const FIRST_DAY = "2026-11-16";
const LAST_DAY = "2027-03-31";
const PUBLISHED_AT = "2026-11-16T06:00:00Z";
const MAX_HOURS_PER_7_DAYS = 60;
const MAX_NIGHTS_IN_A_ROW = 3;

function parseDate(date: string): number {
  const [y, m, d] = date.split("-").map(Number);
  return Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1);
}
function addDays(date: string, days: number): string {
  return new Date(parseDate(date) + days * 86_400_000).toISOString().slice(0, 10);
}
/** 0 = Sunday … 6 = Saturday. */
function weekday(date: string): number {
  return new Date(parseDate(date)).getUTCDay();
}
function isWeekend(date: string): boolean {
  const w = weekday(date);
  return w === 0 || w === 6;
}
function dateRange(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}
function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
/** Nominal length of a timed shift in hours (`end` ≤ `start` means the next day). */
function shiftHours(start: string, end: string): number {
  let len = minutes(end) - minutes(start);
  if (len <= 0) len += 24 * 60;
  return len / 60;
}

const ALL_DAYS = dateRange(FIRST_DAY, LAST_DAY);

// ---------------------------------------------------------------- wire types (key order = output order)

interface PersonOut {
  id: string;
  name: string;
  email?: string;
  phone?: string;
}
type ShiftOut =
  | { id: string; name: string; start: string; end: string; location?: string }
  | { id: string; name: string; allDay: true };
type AssignmentOut = Assignment;

// ---------------------------------------------------------------- the hospitals

/** How a timed shift constrains the next day. */
type Kind = "day" | "night" | "call24" | "oncall";
type LeaveKind = "vacation" | "conference" | "study";

interface TimedShift {
  id: string;
  name: string;
  start: string;
  end: string;
  location: string;
  kind: Kind;
}
interface AllDayShift {
  id: string;
  name: string;
}
interface Slot {
  shiftId: string;
  /** Part of the assignment id: `<prefix>-<date>-<suffix>`. */
  suffix: string;
}
interface ScheduleDef {
  id: string;
  name: string;
  timezone: string;
  /** Assignment id prefix. */
  prefix: string;
  timed: TimedShift[];
  allDay: AllDayShift[];
  leaveShift: Partial<Record<LeaveKind, string>>;
  postCallShift?: string;
  /** Coverage for one date, in fill order. */
  slots(date: string): Slot[];
  /** Leave may not take more than this many of the schedule's people on one day. */
  leaveCap: number;
  /** Christmas and New Year leave blocks (inclusive), each given to up to `leaveCap` people. */
  holidayBlocks: [string, string][];
}
interface PersonDef {
  id: string;
  name: string;
  /** ASCII mailbox name; no email when absent. */
  mailbox?: string;
  phone?: string;
  /** Schedule ids, the first one holds the person's leave. */
  schedules: string[];
}
interface OrgDef {
  id: string;
  name: string;
  tier: "enterprise" | "standard";
  domain: string;
  schedules: ScheduleDef[];
  people: PersonDef[];
}

const US_HOLIDAYS = new Set(["2026-11-26", "2026-12-25", "2027-01-01", "2027-01-18", "2027-02-15"]);
// 26 Dec 2026 is a Saturday, so the Boxing Day bank holiday moves to Monday 28 Dec; Easter 2027 is 28 March.
const UK_BANK_HOLIDAYS = new Set(["2026-12-25", "2026-12-28", "2027-01-01", "2027-03-26", "2027-03-29"]);

function slots(...specs: [shiftId: string, count: number][]): Slot[] {
  const out: Slot[] = [];
  for (const [shiftId, count] of specs) {
    for (let i = 1; i <= count; i++) out.push({ shiftId, suffix: count === 1 ? shiftId : `${shiftId}-${i}` });
  }
  return out;
}

const cardiology: ScheduleDef = {
  id: "cardiology",
  name: "Cardiology",
  timezone: "America/New_York",
  prefix: "crd",
  timed: [
    {
      id: "day",
      name: "CCU Day",
      start: "07:00",
      end: "19:00",
      location: "Main Campus, Tower B",
      kind: "day",
    },
    {
      id: "night",
      name: "CCU Night",
      start: "19:00",
      end: "07:00",
      location: "Main Campus, Tower B",
      kind: "night",
    },
    {
      id: "call24",
      name: "Cardiology 24h Call",
      start: "07:00",
      end: "07:00",
      location: "Main Campus, Tower B",
      kind: "call24",
    },
    {
      id: "cath",
      name: "Cath Lab",
      start: "07:30",
      end: "17:30",
      location: "Main Campus, Tower B, Level 2",
      kind: "day",
    },
    {
      id: "clinic",
      name: "Cardiology Clinic",
      start: "08:00",
      end: "17:00",
      location: "Outpatient Pavilion, Suite 300",
      kind: "day",
    },
  ],
  allDay: [
    { id: "vac", name: "Vacation" },
    { id: "conf", name: "Conference" },
    { id: "postcall", name: "Post-call" },
  ],
  leaveShift: { vacation: "vac", conference: "conf" },
  postCallShift: "postcall",
  slots: (date) =>
    isWeekend(date) || US_HOLIDAYS.has(date)
      ? slots(["call24", 1])
      : slots(["night", 1], ["day", 1], ["cath", 1], ["clinic", 2]),
  leaveCap: 3,
  holidayBlocks: [
    ["2026-12-23", "2026-12-27"],
    ["2026-12-30", "2027-01-03"],
  ],
};

const emergency: ScheduleDef = {
  id: "emergency",
  name: "Emergency Medicine",
  timezone: "America/New_York",
  prefix: "ed",
  timed: [
    {
      id: "day",
      name: "ED Day",
      start: "07:00",
      end: "19:00",
      location: "Main Campus, Emergency Department",
      kind: "day",
    },
    {
      id: "late",
      name: "ED Late",
      start: "14:00",
      end: "22:00",
      location: "Main Campus, Emergency Department",
      kind: "day",
    },
    {
      id: "night",
      name: "ED Night",
      start: "19:00",
      end: "07:00",
      location: "Main Campus, Emergency Department",
      kind: "night",
    },
  ],
  allDay: [
    { id: "vac", name: "Vacation" },
    { id: "conf", name: "Conference" },
  ],
  leaveShift: { vacation: "vac", conference: "conf" },
  slots: () => slots(["night", 2], ["day", 2], ["late", 1]),
  leaveCap: 3,
  holidayBlocks: [
    ["2026-12-22", "2026-12-26"],
    ["2026-12-29", "2027-01-02"],
  ],
};

const hospitalists: ScheduleDef = {
  id: "hospitalists",
  name: "Hospital Medicine (Chicago)",
  timezone: "America/Chicago",
  prefix: "hsp",
  timed: [
    {
      id: "day",
      name: "Hospitalist Day",
      start: "07:00",
      end: "19:00",
      location: "St. Mary's Lakeshore, 4 West",
      kind: "day",
    },
    {
      id: "night",
      name: "Hospitalist Night",
      start: "19:00",
      end: "07:00",
      location: "St. Mary's Lakeshore, 4 West",
      kind: "night",
    },
  ],
  allDay: [{ id: "vac", name: "Vacation" }],
  leaveShift: { vacation: "vac" },
  slots: () => slots(["night", 1], ["day", 1]),
  leaveCap: 1,
  holidayBlocks: [
    ["2026-12-24", "2026-12-27"],
    ["2026-12-31", "2027-01-03"],
  ],
};

const anaesthesia: ScheduleDef = {
  id: "anaesthesia",
  name: "Anaesthetics",
  timezone: "Europe/London",
  prefix: "ana",
  timed: [
    {
      id: "list-main",
      name: "Main Theatres List",
      start: "08:00",
      end: "18:00",
      location: "Main Theatres, Level 3",
      kind: "day",
    },
    {
      id: "list-dsu",
      name: "Day Surgery List",
      start: "08:00",
      end: "18:00",
      location: "Day Surgery Unit",
      kind: "day",
    },
    {
      id: "list-obs",
      name: "Obstetric Theatre",
      start: "08:00",
      end: "18:00",
      location: "Maternity Unit, Theatre 2",
      kind: "day",
    },
    {
      id: "list-endo",
      name: "Endoscopy List",
      start: "08:00",
      end: "18:00",
      location: "Endoscopy Suite",
      kind: "day",
    },
    {
      id: "trauma",
      name: "Trauma List",
      start: "08:00",
      end: "18:00",
      location: "Main Theatres, Level 3",
      kind: "day",
    },
    {
      id: "oncall",
      name: "On call",
      start: "17:00",
      end: "08:00",
      location: "Lakeside Hospital, Theatres",
      kind: "oncall",
    },
  ],
  allDay: [
    { id: "al", name: "Annual leave" },
    { id: "study", name: "Study leave" },
    { id: "conf", name: "Conference" },
  ],
  leaveShift: { vacation: "al", conference: "conf", study: "study" },
  slots: (date) =>
    isWeekend(date) || UK_BANK_HOLIDAYS.has(date)
      ? slots(["oncall", 1], ["trauma", 1])
      : slots(["oncall", 1], ["list-main", 1], ["list-dsu", 1], ["list-obs", 1], ["list-endo", 1]),
  leaveCap: 3,
  holidayBlocks: [
    ["2026-12-24", "2026-12-28"],
    ["2026-12-31", "2027-01-04"],
  ],
};

function usPhone(i: number): string {
  return `+1 555 01${String(i).padStart(2, "0")}`;
}
function ukPhone(i: number): string {
  return `+44 20 7946 0${String(i).padStart(3, "0")}`;
}

const CRD = ["cardiology"];
const CRD_ED = ["cardiology", "emergency"];
const CRD_ED_HSP = ["cardiology", "emergency", "hospitalists"];
const ED = ["emergency"];
const ED_HSP = ["emergency", "hospitalists"];
const HSP = ["hospitalists"];
const ANA = ["anaesthesia"];

const stmarys: OrgDef = {
  id: "stmarys",
  name: "St. Mary's Health",
  tier: "enterprise",
  domain: "stmarys.example.org",
  schedules: [cardiology, emergency, hospitalists],
  people: [
    // In cardiology and emergency (the same person in both snapshots).
    { id: "p1001", name: "Ana López, MD", mailbox: "ana.lopez", phone: usPhone(0), schedules: CRD_ED },
    {
      id: "p1002",
      name: "Dr. Nikhil D'Souza",
      mailbox: "nikhil.dsouza",
      phone: usPhone(1),
      schedules: CRD_ED,
    },
    { id: "p1003", name: "Dr. Renée Dubois", mailbox: "renee.dubois", schedules: CRD_ED },
    { id: "p1004", name: "Dr. Kwame Mensah", mailbox: "kwame.mensah", phone: usPhone(3), schedules: CRD_ED },
    // Cardiology, emergency and the Chicago hospitalist service: a feed mixing two time zones.
    {
      id: "p1005",
      name: "Dr. Laura Bianchi",
      mailbox: "laura.bianchi",
      phone: usPhone(4),
      schedules: CRD_ED_HSP,
    },
    // Cardiology only.
    { id: "p1101", name: "Dr. Min-jun Kim", mailbox: "minjun.kim", phone: usPhone(10), schedules: CRD },
    { id: "p1102", name: "Dr. Sarah O'Connor", mailbox: "sarah.oconnor", phone: usPhone(11), schedules: CRD },
    { id: "p1103", name: "Dr. José Álvarez", mailbox: "jose.alvarez", phone: usPhone(12), schedules: CRD },
    { id: "p1104", name: "Dr. Priya Raman", mailbox: "priya.raman", schedules: CRD },
    { id: "p1105", name: "Okafor, David", mailbox: "david.okafor", phone: usPhone(14), schedules: CRD },
    { id: "p1106", name: "Dr. Emily Chen", mailbox: "emily.chen", phone: usPhone(15), schedules: CRD },
    { id: "p1107", name: "Dr. Marcus Bell", phone: usPhone(16), schedules: CRD },
    { id: "p1108", name: "Dr. Zoë Fischer", mailbox: "zoe.fischer", phone: usPhone(17), schedules: CRD },
    { id: "p1109", name: "Dr. Rachel Goldberg", mailbox: "rachel.goldberg", schedules: CRD },
    // Emergency only.
    {
      id: "p1201",
      name: "Dr. Jamal Washington",
      mailbox: "jamal.washington",
      phone: usPhone(20),
      schedules: ED,
    },
    { id: "p1202", name: "Dr. Siobhán Murphy", mailbox: "siobhan.murphy", phone: usPhone(21), schedules: ED },
    { id: "p1203", name: "Dr. Carlos Mendoza", mailbox: "carlos.mendoza", schedules: ED },
    { id: "p1204", name: "Dr. Aisha Rahman", mailbox: "aisha.rahman", phone: usPhone(23), schedules: ED },
    { id: "p1205", name: "Dr. Tyler Brooks", phone: usPhone(24), schedules: ED },
    { id: "p1206", name: "Dr. Megan Sullivan", mailbox: "megan.sullivan", phone: usPhone(25), schedules: ED },
    { id: "p1207", name: "Dr. Hiroshi Tanaka", mailbox: "hiroshi.tanaka", phone: usPhone(26), schedules: ED },
    {
      id: "p1208",
      name: "Dr. Fatima Al-Sayed",
      mailbox: "fatima.alsayed",
      phone: usPhone(27),
      schedules: ED,
    },
    { id: "p1209", name: "Dr. Ethan Park", mailbox: "ethan.park", schedules: ED },
    { id: "p1210", name: "Dr. Olivia Nguyen", mailbox: "olivia.nguyen", phone: usPhone(29), schedules: ED },
    // Emergency and the Chicago hospitalist service.
    {
      id: "p1211",
      name: "Dr. Benjamin Roth",
      mailbox: "benjamin.roth",
      phone: usPhone(30),
      schedules: ED_HSP,
    },
    // Hospitalists only.
    { id: "p1301", name: "王芳", mailbox: "fang.wang", phone: usPhone(40), schedules: HSP },
    {
      id: "p1302",
      name: "Dr. Grace Thompson",
      mailbox: "grace.thompson",
      phone: usPhone(41),
      schedules: HSP,
    },
    { id: "p1303", name: "Dr. Mateo Hernández", mailbox: "mateo.hernandez", schedules: HSP },
    { id: "p1304", name: "Dr. Noah Kowalski", mailbox: "noah.kowalski", phone: usPhone(43), schedules: HSP },
  ],
};

const lakeside: OrgDef = {
  id: "lakeside",
  name: "Lakeside Hospital",
  tier: "standard",
  domain: "lakeside.example.org",
  schedules: [anaesthesia],
  people: [
    {
      id: "p2001",
      name: "Dr Eleanor Whitfield",
      mailbox: "eleanor.whitfield",
      phone: ukPhone(1),
      schedules: ANA,
    },
    { id: "p2002", name: "Dr Rhys Llewellyn", mailbox: "rhys.llewellyn", phone: ukPhone(2), schedules: ANA },
    { id: "p2003", name: "Dr Aoife Ní Bhriain", mailbox: "aoife.nibhriain", schedules: ANA },
    { id: "p2004", name: "Dr Oluwaseun Adeyemi", mailbox: "seun.adeyemi", phone: ukPhone(4), schedules: ANA },
    { id: "p2005", name: "يوسف الخطيب", mailbox: "yousef.alkhatib", phone: ukPhone(5), schedules: ANA },
    { id: "p2006", name: "Dr James O'Brien", mailbox: "james.obrien", phone: ukPhone(6), schedules: ANA },
    { id: "p2007", name: "Dr Björn Ødegaard", mailbox: "bjorn.odegaard", schedules: ANA },
    { id: "p2008", name: "Dr Sophie Martin", mailbox: "sophie.martin", phone: ukPhone(8), schedules: ANA },
    { id: "p2009", name: "Dr Imran Qureshi", phone: ukPhone(9), schedules: ANA },
    {
      id: "p2010",
      name: "Dr Catriona MacLeod",
      mailbox: "catriona.macleod",
      phone: ukPhone(10),
      schedules: ANA,
    },
    {
      id: "p2011",
      name: "Dr Lucía Fernández",
      mailbox: "lucia.fernandez",
      phone: ukPhone(11),
      schedules: ANA,
    },
    { id: "p2012", name: "Dr Thomas Hughes", mailbox: "thomas.hughes", schedules: ANA },
    { id: "p2013", name: "Dr Zsófia Kovács", mailbox: "zsofia.kovacs", phone: ukPhone(13), schedules: ANA },
    { id: "p2014", name: "Patel, Anjali", mailbox: "anjali.patel", phone: ukPhone(14), schedules: ANA },
  ],
};

// ---------------------------------------------------------------- generation

interface Work {
  kind: Kind;
  hours: number;
  /** Minutes after midnight the shift ends. */
  endMinute: number;
  scheduleId: string;
}

interface OrgState {
  org: OrgDef;
  rng: Rng;
  /** personId → set of dates on leave (or post-call). */
  off: Map<string, Set<string>>;
  /** personId → date → timed shift worked. */
  work: Map<string, Map<string, Work>>;
  hoursTotal: Map<string, number>;
  nights: Map<string, number>;
  weekends: Map<string, number>;
  /** scheduleId → assignments. */
  out: Map<string, AssignmentOut[]>;
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function scheduleOf(org: OrgDef, id: string): ScheduleDef {
  const s = org.schedules.find((x) => x.id === id);
  if (!s) throw new Error(`unknown schedule ${id}`);
  return s;
}

function membersOf(org: OrgDef, scheduleId: string): PersonDef[] {
  return org.people.filter((p) => p.schedules.includes(scheduleId));
}

/** Leave first: holiday blocks, conferences, study days, vacations; each respects the per-schedule cap. */
function planLeave(st: OrgState): void {
  const { org, rng } = st;
  const leaveCount = new Map<string, number>(); // `${scheduleId}|${date}` → people off

  const fits = (p: PersonDef, first: string, last: string, capBonus = 0): boolean => {
    if (first < FIRST_DAY || last > LAST_DAY) return false;
    const off = st.off.get(p.id);
    for (const d of dateRange(addDays(first, -1), addDays(last, 1))) {
      if (off?.has(d)) return false; // keep a working day between two leaves
    }
    for (const d of dateRange(first, last)) {
      for (const sid of p.schedules) {
        if ((leaveCount.get(`${sid}|${d}`) ?? 0) >= scheduleOf(org, sid).leaveCap + capBonus) return false;
      }
    }
    return true;
  };
  const book = (p: PersonDef, kind: LeaveKind, first: string, last: string): void => {
    const home = scheduleOf(org, p.schedules[0] ?? "");
    const shiftId = home.leaveShift[kind];
    if (!shiftId) throw new Error(`${home.id} has no ${kind} shift`);
    const off = getOrSet(st.off, p.id, () => new Set<string>());
    for (const d of dateRange(first, last)) {
      off.add(d);
      for (const sid of p.schedules) leaveCount.set(`${sid}|${d}`, (leaveCount.get(`${sid}|${d}`) ?? 0) + 1);
    }
    const a: AssignmentOut = {
      id: `${home.prefix}-${first}-${shiftId}-${p.id}`,
      personId: p.id,
      shiftId,
      date: first,
    };
    if (last !== first) a.endDate = last;
    getOrSet(st.out, home.id, () => []).push(a);
  };
  const tryBook = (p: PersonDef, kind: LeaveKind, lengths: [number, number], window: [string, string]) => {
    const span = ALL_DAYS.filter((d) => d >= window[0] && d <= window[1]);
    for (let attempt = 0; attempt < 40; attempt++) {
      const len = rng.int(lengths[0], lengths[1]);
      let first = span[rng.int(0, span.length - 1)] ?? FIRST_DAY;
      // Conferences and study days start on a weekday.
      if (kind !== "vacation") while (isWeekend(first)) first = addDays(first, 1);
      const last = addDays(first, len - 1);
      if (last > window[1] || !fits(p, first, last)) continue;
      book(p, kind, first, last);
      return;
    }
  };

  // Christmas and New Year: each block goes to up to `leaveCap` people of each schedule.
  for (const sched of org.schedules) {
    for (const [first, last] of sched.holidayBlocks) {
      let given = 0;
      for (const p of rng.shuffle(org.people.filter((x) => x.schedules[0] === sched.id))) {
        if (given >= sched.leaveCap) break;
        if (fits(p, first, last)) {
          book(p, "vacation", first, last);
          given++;
        }
      }
    }
  }
  const beforeHolidays: [string, string] = [FIRST_DAY, "2026-12-18"];
  const afterHolidays: [string, string] = ["2027-01-06", LAST_DAY];
  for (const p of org.people) {
    const home = scheduleOf(org, p.schedules[0] ?? "");
    if (home.leaveShift.conference && rng.chance(0.35)) tryBook(p, "conference", [2, 3], afterHolidays);
    if (home.leaveShift.study) {
      for (let i = rng.int(0, 2); i > 0; i--) tryBook(p, "study", [1, 1], [FIRST_DAY, LAST_DAY]);
    }
    if (rng.chance(0.85)) tryBook(p, "vacation", [3, 10], rng.chance(0.3) ? beforeHolidays : afterHolidays);
    if (rng.chance(0.3)) tryBook(p, "vacation", [3, 5], afterHolidays);
  }
}

function fillSlots(st: OrgState): void {
  const { org, rng } = st;
  const isOff = (pid: string, d: string) => st.off.get(pid)?.has(d) ?? false;
  const workOn = (pid: string, d: string) => st.work.get(pid)?.get(d);
  const nightStreak = (pid: string, d: string): number => {
    let n = 0;
    for (let x = addDays(d, -1); workOn(pid, x)?.kind === "night"; x = addDays(x, -1)) n++;
    return n;
  };
  const hoursIn7 = (pid: string, d: string): number => {
    let h = 0;
    // Eight dates: a night that started eight dates ago still falls inside a rolling 168-hour window.
    for (let i = 0; i < 8; i++) h += workOn(pid, addDays(d, -i))?.hours ?? 0;
    return h;
  };

  for (const date of ALL_DAYS) {
    for (const sched of org.schedules) {
      const special = isWeekend(date) || US_HOLIDAYS.has(date) || UK_BANK_HOLIDAYS.has(date);
      for (const slot of sched.slots(date)) {
        const shift = sched.timed.find((s) => s.id === slot.shiftId);
        if (!shift) throw new Error(`${sched.id}: unknown shift ${slot.shiftId}`);
        const hours = shiftHours(shift.start, shift.end);
        const overnight = shift.kind !== "day";

        const eligible = (p: PersonDef, strict: boolean): boolean => {
          if (isOff(p.id, date) || workOn(p.id, date)) return false;
          if (overnight && isOff(p.id, addDays(date, 1))) return false; // start leave rested
          const prev = workOn(p.id, addDays(date, -1));
          if (prev?.kind === "call24" || prev?.kind === "oncall") return false; // post-call day off
          // At least ten hours between a late finish and an early start.
          if (prev?.kind === "day" && prev.endMinute + 10 * 60 > 24 * 60 + minutes(shift.start)) return false;
          if (
            prev?.kind === "night" &&
            (shift.kind !== "night" || nightStreak(p.id, date) >= MAX_NIGHTS_IN_A_ROW)
          ) {
            return false;
          }
          return !strict || hoursIn7(p.id, date) + hours <= MAX_HOURS_PER_7_DAYS;
        };
        const cost = (p: PersonDef): number => {
          let c = st.hoursTotal.get(p.id) ?? 0;
          if (overnight) c += 12 * (st.nights.get(p.id) ?? 0);
          if (special) c += 10 * (st.weekends.get(p.id) ?? 0);
          if (shift.kind === "night" && workOn(p.id, addDays(date, -1))?.kind === "night") c -= 200; // keep blocks
          return c + rng.next() * 6;
        };

        const members = membersOf(org, sched.id);
        let candidates = members.filter((p) => eligible(p, true));
        if (candidates.length === 0) {
          candidates = members.filter((p) => eligible(p, false));
          console.warn(`${sched.id} ${date} ${slot.suffix}: over ${MAX_HOURS_PER_7_DAYS} h to fill the slot`);
        }
        if (candidates.length === 0) throw new Error(`${sched.id} ${date} ${slot.suffix}: nobody available`);
        let best = candidates[0] as PersonDef;
        let bestCost = cost(best);
        for (const p of candidates.slice(1)) {
          const c = cost(p);
          if (c < bestCost) {
            best = p;
            bestCost = c;
          }
        }

        getOrSet(st.work, best.id, () => new Map()).set(date, {
          kind: shift.kind,
          hours,
          endMinute: minutes(shift.end),
          scheduleId: sched.id,
        });
        st.hoursTotal.set(best.id, (st.hoursTotal.get(best.id) ?? 0) + hours);
        if (overnight) st.nights.set(best.id, (st.nights.get(best.id) ?? 0) + 1);
        if (special) st.weekends.set(best.id, (st.weekends.get(best.id) ?? 0) + 1);
        getOrSet(st.out, sched.id, () => []).push({
          id: `${sched.prefix}-${date}-${slot.suffix}`,
          personId: best.id,
          shiftId: shift.id,
          date,
        });

        // A post-call day (all-day) after a 24-hour call that ends on a working weekday.
        const next = addDays(date, 1);
        if (shift.kind === "call24" && sched.postCallShift && next <= LAST_DAY) {
          if (!isWeekend(next) && !US_HOLIDAYS.has(next)) {
            getOrSet(st.off, best.id, () => new Set()).add(next);
            getOrSet(st.out, sched.id, () => []).push({
              id: `${sched.prefix}-${next}-${sched.postCallShift}`,
              personId: best.id,
              shiftId: sched.postCallShift,
              date: next,
            });
          }
        }
      }
    }
  }
}

/** Hand-written touches: notes (commas, semicolons, a newline, quotes) and start/end overrides. */
function decorate(st: OrgState): void {
  const find = (scheduleId: string, id: string): AssignmentOut => {
    const a = st.out.get(scheduleId)?.find((x) => x.id === id);
    if (!a) throw new Error(`decorate: no assignment ${id} in ${scheduleId}`);
    return a;
  };
  const nameOf = (pid: string) => st.org.people.find((p) => p.id === pid)?.name ?? pid;

  if (st.org.id === "stmarys") {
    find("cardiology", "crd-2027-03-13-call24").note =
      "Clocks go forward at 02:00 tonight: this call is 23 hours";
    find("emergency", "ed-2027-03-13-night-1").note = "Clocks go forward at 02:00: 11-hour night";
    find("hospitalists", "hsp-2027-03-13-night").note = "DST starts at 02:00 (Central)";

    const ext = find("emergency", "ed-2026-12-05-night-1");
    ext.end = "08:00";
    ext.note = "Staying until 08:00 for the trauma handover";

    find("emergency", "ed-2026-11-20-night-2").note =
      "Handover at 06:45 in Resus; bring the trauma pager.\nParking: Level 3; badge needed after 22:00.";

    const early = find("cardiology", "crd-2027-01-12-day");
    early.end = "15:00";
    early.note = "Leaving at 15:00, Dr. Bell covers the afternoon, agreed with Dr. Raman";

    const late = find("hospitalists", "hsp-2027-01-20-night");
    late.start = "21:00";
    late.note = "Starts at 21:00; the day hospitalist holds the pager until then";

    // "Covering for Dr. Kim" on a clinic during Dr. Kim's first vacation.
    const kimLeave = (st.out.get("cardiology") ?? []).find(
      (a) => a.personId === "p1101" && a.shiftId === "vac",
    );
    if (kimLeave) {
      const days = dateRange(kimLeave.date, kimLeave.endDate ?? kimLeave.date);
      const clinic = (st.out.get("cardiology") ?? []).find(
        (a) => a.shiftId === "clinic" && days.includes(a.date) && a.personId !== "p1101",
      );
      if (clinic) clinic.note = "Covering for Dr. Kim";
    }

    const swap = find("emergency", "ed-2027-02-06-late");
    swap.note = `Swapped with ${nameOf(find("emergency", "ed-2027-02-06-day-1").personId)}`;
  } else {
    find("anaesthesia", "ana-2027-03-27-oncall").note =
      "Clocks go forward at 01:00 tonight: on call is 14 hours";
    const pm = find("anaesthesia", "ana-2027-02-03-list-dsu");
    pm.start = "13:00";
    pm.note = "PM list only";
    find("anaesthesia", "ana-2026-12-02-list-main").note =
      'Paediatric ENT list; bring the "difficult airway" trolley';
    const short = find("anaesthesia", "ana-2027-01-15-oncall");
    short.end = "07:30";
    short.note = "Early handover at 07:30, agreed with the day team";
    find("anaesthesia", "ana-2026-12-25-trauma").note = "Christmas Day, 2 theatres open";
  }
}

function generateOrg(org: OrgDef): Map<string, unknown> {
  const st: OrgState = {
    org,
    rng: new Rng(`shiftfeed-demo/${org.id}`),
    off: new Map(),
    work: new Map(),
    hoursTotal: new Map(),
    nights: new Map(),
    weekends: new Map(),
    out: new Map(),
  };
  planLeave(st);
  fillSlots(st);
  decorate(st);

  const files = new Map<string, unknown>();
  for (const sched of org.schedules) {
    const people: PersonOut[] = membersOf(org, sched.id).map((p) => {
      const o: PersonOut = { id: p.id, name: p.name };
      if (p.mailbox) o.email = `${p.mailbox}@${org.domain}`;
      if (p.phone) o.phone = p.phone;
      return o;
    });
    const shifts: ShiftOut[] = [
      ...sched.timed.map((s) => ({
        id: s.id,
        name: s.name,
        start: s.start,
        end: s.end,
        location: s.location,
      })),
      ...sched.allDay.map((s) => ({ id: s.id, name: s.name, allDay: true as const })),
    ];
    const assignments = [...(st.out.get(sched.id) ?? [])]
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((a) => {
        // Canonical key order.
        const o: AssignmentOut = { id: a.id, personId: a.personId, shiftId: a.shiftId, date: a.date };
        if (a.endDate !== undefined) o.endDate = a.endDate;
        if (a.start !== undefined) o.start = a.start;
        if (a.end !== undefined) o.end = a.end;
        if (a.note !== undefined) o.note = a.note;
        return o;
      });
    files.set(`${org.id}--${sched.id}.json`, {
      format: "shiftfeed.snapshot/1",
      organization: { id: org.id, name: org.name, tier: org.tier },
      schedule: { id: sched.id, name: sched.name, timezone: sched.timezone },
      revision: 1,
      publishedAt: PUBLISHED_AT,
      people,
      shifts,
      assignments,
    });
  }
  return files;
}

function main(): void {
  const check = process.argv.includes("--check");
  const dir = new URL("../fixtures/demo/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  let stale = 0;
  for (const org of [stmarys, lakeside]) {
    for (const [name, snapshot] of generateOrg(org)) {
      const text = `${JSON.stringify(snapshot, null, 2)}\n`;
      const file = new URL(name, dir);
      if (check) {
        if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
          console.error(`stale: fixtures/demo/${name}`);
          stale++;
        }
        continue;
      }
      writeFileSync(file, text);
      const count = (snapshot as { assignments: unknown[] }).assignments.length;
      console.log(`fixtures/demo/${name}: ${count} assignments, ${Buffer.byteLength(text)} bytes`);
    }
  }
  if (stale > 0) process.exit(1);
}

main();
