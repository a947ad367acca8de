/**
 * The golden render cases, with no runtime dependency (the workerd tests publish them too): which snapshots are
 * published, in order, at which clock, and when the feeds are read. `render-cases.ts` runs them on Node.
 */

/** One publish: a snapshot file (relative to the repository root) and the clock at that moment. */
export interface RenderStep {
  file: string;
  at: string;
}

/** A golden case: snapshots published in order, then every feed read at `readAt`. */
export interface RenderCase {
  name: string;
  steps: RenderStep[];
  /** Clock time the feeds are read at; when later than the last publish, the window is rolled first. */
  readAt: string;
}

/** Fixed settings of every case (the documented defaults). */
export const CASE_SETTINGS = {
  pastDays: 14,
  futureDays: 300,
  refreshSeconds: 3600,
  cacheBytes: 64 << 20,
  eventCacheChars: 64 << 20,
};

const DEMO = "2026-11-20T12:00:00Z";
const demoFiles = [
  "lakeside--anaesthesia",
  "stmarys--cardiology",
  "stmarys--emergency",
  "stmarys--hospitalists",
];
const SOUTHERN = "2027-03-25T00:00:00Z";
const southernFiles = ["chatham", "dublin", "kathmandu", "lord-howe", "sydney"];
/** The time-zone matrix (scripts/generate-matrix-fixtures.ts): one organization, one schedule per zone. */
const MATRIX = "2027-01-15T00:00:00Z";
const matrixFiles = [
  "chatham",
  "dublin",
  "kathmandu",
  "lord-howe",
  "mexico-city",
  "new-york",
  "nuuk",
  "santiago",
  "sydney",
  "tokyo",
];

export const RENDER_CASES: readonly RenderCase[] = [
  {
    name: "demo",
    steps: demoFiles.map((f) => ({ file: `fixtures/demo/${f}.json`, at: DEMO })),
    readAt: DEMO,
  },
  {
    name: "dst-new-york",
    steps: [{ file: "fixtures/render/dst-new-york.json", at: "2027-03-01T12:00:00Z" }],
    readAt: "2027-03-01T12:00:00Z",
  },
  {
    name: "dst-southern-and-odd",
    steps: southernFiles.map((f) => ({ file: `fixtures/render/dst-southern--${f}.json`, at: SOUTHERN })),
    readAt: SOUTHERN,
  },
  {
    name: "hostile-text",
    steps: [{ file: "fixtures/render/hostile-text.json", at: "2027-01-05T12:00:00Z" }],
    readAt: "2027-01-05T12:00:00Z",
  },
  {
    name: "revisions",
    steps: [
      { file: "fixtures/render/revisions--clinic.r1.json", at: "2027-02-01T09:00:00Z" },
      { file: "fixtures/render/revisions--surgery.r1.json", at: "2027-02-01T09:00:00Z" },
      { file: "fixtures/render/revisions--surgery.r2.json", at: "2027-02-01T10:00:00Z" },
    ],
    readAt: "2027-02-01T10:00:00Z",
  },
  {
    name: "matrix",
    steps: matrixFiles.map((f) => ({ file: `fixtures/matrix/matrix--${f}.json`, at: MATRIX })),
    readAt: "2027-01-15T12:00:00Z",
  },
];

/** A case by name; throws for an unknown one. */
export function renderCaseNamed(name: string): RenderCase {
  const found = RENDER_CASES.find((c) => c.name === name);
  if (!found) throw new Error(`no render case \`${name}\``);
  return found;
}
