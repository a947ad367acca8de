/**
 * The incident the load test replays, as one plan shared by the orchestrator and the client processes: the
 * timeline (calm, storm, calm again), the classes of clients with their rates, and the loopback addresses each
 * class sends from (every address in 127.0.0.0/8 is this machine, so each is a distinct client to the server).
 */

/** Seconds from the start of the run. */
export const TIMELINE = {
  /** The storm starts here (subscribers alone before it: the baseline). */
  stormStart: 10,
  /** The storm stops here: partner, hammer, retry storm and slowloris stop. */
  stormEnd: 50,
  /** The run ends here: the last 20 s show the recovery. */
  end: 70,
  /** The large publish and the forced regeneration are sent at these times. */
  publishAt: 12,
  regenerateAt: 20,
  /** Width of one reporting window. */
  windowSeconds: 5,
} as const;

/** The classes of clients, in report order. */
export const CLASSES = [
  "subscriber",
  "partner",
  "hammer",
  "retry-enterprise",
  "retry-standard",
  "slowloris",
  "shared-fetcher",
  "department",
] as const;
export type ClientClass = (typeof CLASSES)[number];

/** Ordinary subscribers: each polls its own feed every `intervalSeconds` (± 10 %), on a fresh connection. */
export const SUBSCRIBERS = { count: 200, intervalSeconds: 5 } as const;
/** The partner: `count` distinct tokens every `everySeconds`, conditional, over `connections` kept-alive sockets. */
export const PARTNER = { count: 400, everySeconds: 10, connections: 32 } as const;
/** One client hammering one feed at `perSecond`, full GETs over kept-alive sockets. */
export const HAMMER = { perSecond: 100, connections: 4 } as const;
/** Clients that poll every `pollSeconds` and retry every `retrySeconds` on any error, without jitter. */
export const RETRY = { count: 1000, pollSeconds: 10, retrySeconds: 1 } as const;
/**
 * A shared fetcher, as Google Calendar's importer polls: one address fetching `live` live links and `dead` dead
 * ones (rotated, and of people no longer on a schedule) in full, each once every `everySeconds`, over `connections`
 * kept-alive sockets, for the whole run. Its address lies in the range the server is started with as
 * `SHARED_FETCHER_RANGES` (on loopback no published range can apply).
 */
export const SHARED_FETCHER = {
  live: 1000,
  dead: 1000,
  everySeconds: 60,
  connections: 8,
  range: "127.8.0.0/16",
} as const;
/** A department's schedule link on `phones` phones, each its own address, polling every `intervalSeconds`. */
export const DEPARTMENT = { phones: 100, intervalSeconds: 10 } as const;

/** One address holding `connections` sockets open, trickling a header line every `trickleMs`. */
export const SLOWLORIS = { connections: 500, trickleMs: 1000 } as const;

/** The request headers of each real client (README › Subscribing): Apple revalidates by date, Google fetches in full. */
export const CLIENT_HEADERS = {
  apple: { "user-agent": "iOS/18.1 (22B83) dataaccessd/1.0", "accept-encoding": "gzip, deflate, br" },
  google: { "user-agent": "Google-Calendar-Importer" },
  outlook: {
    "user-agent": "Microsoft Office/16.0 (Windows NT 10.0; Outlook 16.0)",
    "accept-encoding": "gzip",
  },
} as const;
export type ClientKind = keyof typeof CLIENT_HEADERS;

/**
 * The source address of client `i` of a class (distinct per client, all on loopback); `mirror` is the copy of the
 * feeds nginx serves, taken between the two runs.
 */
export function addressOf(cls: ClientClass | "mirror", i = 0): string {
  const block = {
    subscriber: 1,
    partner: 2,
    hammer: 3,
    "retry-enterprise": 4,
    "retry-standard": 5,
    slowloris: 6,
    mirror: 7,
    "shared-fetcher": 8,
    department: 9,
  }[cls];
  return `127.${block}.${Math.floor(i / 250)}.${1 + (i % 250)}`;
}

/** What a client process is given (as JSON in its first argument). */
export interface ClientJob {
  cls: ClientClass;
  url: string;
  /** `Date.now()` of the run's second 0. */
  t0: number;
  /** Feed paths with the client kind that polls each (partner, hammer and retry use their own headers). */
  targets: { path: string; kind: ClientKind }[];
  /** Where the samples go (JSON). */
  out: string;
}

/** One answered (or failed) request: seconds since t0 when sent, class, status (0: no answer), latency in ms. */
export type Sample = [t: number, status: number, ms: number];
