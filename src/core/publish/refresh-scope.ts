/**
 * What a unit over a live schedule covers: which people's pieces are rendered again, whether its schedule feed
 * is, and whose person feeds are assembled. Only a few combinations of those make sense, and each is named here
 * ({@link RefreshScope}'s constructors) — a publish, the two passes of a roll or a regeneration, one person's
 * regeneration, the batches of a fanned-out unit — so no caller sets the fields by hand. A scope stays plain data:
 * a Durable Object stores it with a job's steps (`src/worker/durable-jobs.ts`) and reads it back with
 * {@link parseRefreshScope}. What a field left out means is read through the helpers below, nowhere else.
 */

/**
 * Whose feeds a unit assembles: everyone's; only people listed by this schedule alone (`single`); or only people
 * also listed by another schedule (`shared`), whose feeds wait until every schedule's pieces are rendered.
 */
export type PeopleInScope = "all" | "single" | "shared";

/** A unit's scope within its schedule. Build one with the {@link RefreshScope} constructors. */
export interface RefreshScope {
  /** Render again even where fingerprints are unchanged (a forced regeneration); bytes and validators still stay. */
  readonly force: boolean;
  /** Only these people's pieces and feeds (left out: everyone the schedule lists). */
  readonly people?: readonly string[];
  /** Whether the schedule feed is in scope (left out: it is). */
  readonly scheduleFeed?: boolean;
  /** Whose feeds are assembled again (left out: `all`); `none` renders pieces only. */
  readonly personFeeds?: PeopleInScope | "none";
  /** Whether pieces are rendered (left out: they are); off assembles people's feeds from the pieces stored. */
  readonly pieces?: boolean;
}

/** The scopes the service runs, by what they are for. */
export const RefreshScope = {
  /**
   * Everything of a schedule: every listed person's piece, its schedule feed, everyone's feed — a publish, the
   * refresh of an organization's other schedules after it was renamed, a fanned-out publish before its batches.
   */
  whole(force = false): RefreshScope {
    return { force };
  },

  /** A publish that commits the new revision's state and nothing rendered: pieces and feeds stay as they are. */
  stateOnly(): RefreshScope {
    return { force: false, people: [], scheduleFeed: false, personFeeds: "none" };
  },

  /**
   * Pass 1 of a roll or a regeneration over whole schedules: every piece and the schedule feed, and the feeds of
   * people this schedule alone lists (`single`) — or no feed at all (`none`, when pieces must all exist first).
   */
  renderPass(force: boolean, personFeeds: "single" | "none"): RefreshScope {
    return { force, personFeeds };
  },

  /**
   * Pass 2: people's feeds assembled from the pieces pass 1 left — those several schedules list (`shared`), or
   * everyone's (`all`, after a pass 1 that assembled none).
   */
  assemblePass(force: boolean, personFeeds: "shared" | "all"): RefreshScope {
    return { force, pieces: false, scheduleFeed: false, personFeeds };
  },

  /** Pass 1 of one person's regeneration: their piece of this schedule, no feed. */
  personPiece(person: string, force: boolean): RefreshScope {
    return { force, people: [person], scheduleFeed: false, personFeeds: "none" };
  },

  /** Pass 2 of one person's regeneration: their feed, assembled from their stored pieces. */
  personFeed(person: string, force: boolean): RefreshScope {
    return { force, people: [person], scheduleFeed: false, pieces: false };
  },

  /** One batch of a unit cut into steps: the same scope over these people only, without the schedule feed. */
  batch(scope: RefreshScope, people: readonly string[]): RefreshScope {
    return { ...scope, people, scheduleFeed: false };
  },

  /**
   * The step that ends a rendering unit cut into batches: its schedule feed, the pieces of people it no longer
   * lists, anyone added meanwhile — the whole scope again, which renders only what moved. A forced unit renders
   * no person again there (its batches did), only the schedule feed.
   */
  closing(scope: RefreshScope): RefreshScope {
    return scope.force ? { ...scope, people: [], scheduleFeed: scope.scheduleFeed ?? true } : scope;
  },
} as const;

/** Whether the unit renders pieces. */
export const rendersPieces = (scope: RefreshScope): boolean => scope.pieces !== false;

/** Whether the unit covers the schedule feed. */
export const coversScheduleFeed = (scope: RefreshScope): boolean => scope.scheduleFeed !== false;

/** Whose person feeds the unit assembles. */
export const personFeedsOf = (scope: RefreshScope): PeopleInScope | "none" => scope.personFeeds ?? "all";

/** The people the unit is limited to, or `null` for everyone the schedule lists. */
export const peopleOf = (scope: RefreshScope): ReadonlySet<string> | null =>
  scope.people === undefined ? null : new Set(scope.people);

/**
 * Whether the unit renders every listed person's piece, so that the schedule's window has moved as a whole
 * (after a batch or one person's regeneration the others still show the earlier window).
 */
export const rendersEveryone = (scope: RefreshScope): boolean =>
  scope.people === undefined && rendersPieces(scope);

/**
 * Whose events the unit's plan reads: everyone's when it covers the schedule feed or everyone, else only the
 * people it is limited to (a batch: a few hundred people's events, not a whole hospital's; a staged publish: none).
 */
export const eventsOf = (scope: RefreshScope): ReadonlySet<string> | undefined =>
  coversScheduleFeed(scope) ? undefined : (peopleOf(scope) ?? undefined);

/** Whether the unit only assembles people's feeds from stored pieces: nothing is expanded or rendered. */
export const assemblesOnly = (scope: RefreshScope): boolean =>
  !rendersPieces(scope) && !coversScheduleFeed(scope);

const PERSON_FEEDS: readonly (PeopleInScope | "none")[] = ["all", "single", "shared", "none"];

/**
 * A scope stored as JSON (a job step's), checked field by field.
 * @throws Error naming the first field that is not what a scope holds.
 */
export function parseRefreshScope(json: string): RefreshScope {
  const value: unknown = JSON.parse(json);
  if (typeof value !== "object" || value === null) throw new Error("a refresh scope must be an object");
  const fields = new Map<string, unknown>(Object.entries(value));
  const field = (name: keyof RefreshScope): unknown => fields.get(name);
  const bad = (name: keyof RefreshScope) => new Error(`refresh scope: \`${name}\` is not valid`);
  const force = field("force");
  if (typeof force !== "boolean") throw bad("force");
  const scope: { -readonly [K in keyof RefreshScope]: RefreshScope[K] } = { force };
  const people = field("people");
  if (people !== undefined) {
    if (!Array.isArray(people) || !people.every((p): p is string => typeof p === "string"))
      throw bad("people");
    scope.people = people;
  }
  for (const name of ["scheduleFeed", "pieces"] as const) {
    const flag = field(name);
    if (flag === undefined) continue;
    if (typeof flag !== "boolean") throw bad(name);
    scope[name] = flag;
  }
  const personFeeds = field("personFeeds");
  if (personFeeds !== undefined) {
    const known = PERSON_FEEDS.find((p) => p === personFeeds);
    if (known === undefined) throw bad("personFeeds");
    scope.personFeeds = known;
  }
  return scope;
}
