/**
 * The admin API's answers as zod schemas: the views are typed by them (`admin-views.ts`), the OpenAPI document is
 * generated from them (`openapi.ts`), and tests parse real answers with them, so the three cannot drift apart.
 * Request bodies have their own schemas where they are validated (`snapshotSchema`, `regenerateScopeSchema`).
 */
import { z } from "zod";
import { CALENDAR_CLIENTS } from "../core/clients.ts";
import { ERROR_CODES } from "../core/errors.ts";

const client = z.enum(CALENDAR_CLIENTS);
const instant = z.string().meta({ format: "date-time" });

/** A feed's links and validators. */
export const feedViewSchema = z.object({
  url: z.string().meta({ description: "the feed URL (https)" }),
  webcalUrl: z
    .string()
    .meta({ description: "`webcal://` form: opens a subscription on Apple devices and Outlook" }),
  googleUrl: z.string().meta({ description: "Google Calendar's add-by-URL link" }),
  subscribeUrl: z.string().meta({
    description: "the subscribe page for this feed: as secret as the feed URL, dies with it on rotation",
  }),
  etag: z.string(),
  lastModified: z.string().meta({ description: "IMF-fixdate" }),
  events: z.number().int(),
  bytes: z.number().int(),
});

export const lastFetchSchema = z.object({
  client,
  userAgent: z.string().nullable(),
  at: instant,
  status: z.number().int(),
  requests: z.number().int().meta({ description: "requests from this client family since telemetry began" }),
});

export const personViewSchema = z.object({
  org: z.string(),
  person: z.string(),
  name: z.string(),
  schedules: z.array(z.string()),
  feed: feedViewSchema,
  lastFetch: z
    .array(lastFetchSchema)
    .meta({ description: "the last request per client family, newest first" }),
});

export const scheduleViewSchema = z.object({
  org: z.string(),
  schedule: z.string(),
  name: z.string(),
  timezone: z.string(),
  revision: z.number().int(),
  publishedAt: instant,
  people: z.number().int(),
  assignments: z.number().int(),
  feed: feedViewSchema.nullable(),
});

export const schedulePeopleSchema = z.object({
  people: z.array(z.object({ person: z.string(), name: z.string() })),
});

export const publishResultSchema = z.object({
  revision: z.number().int(),
  peopleAffected: z.number().int(),
  feedsUpdated: z.number().int(),
  unchanged: z.literal(true).optional(),
});

export const jobSchema = z.object({
  id: z.string(),
  state: z.enum(["queued", "running", "succeeded", "failed"]),
  done: z.number().int(),
  total: z.number().int(),
  updated: z.number().int(),
  createdAt: instant,
  startedAt: instant.nullable(),
  finishedAt: instant.nullable(),
  errors: z.array(z.object({ scope: z.string(), message: z.string() })),
  retry: z
    .object({ failures: z.number().int(), lastError: z.string(), failedAt: instant, nextAttemptAt: instant })
    .optional(),
});

export const jobAcceptedSchema = z.object({ job: jobSchema });

export const searchResultSchema = z.object({
  people: z.array(
    z.object({ org: z.string(), person: z.string(), name: z.string(), schedules: z.array(z.string()) }),
  ),
  schedules: z.array(
    z.object({ org: z.string(), schedule: z.string(), name: z.string(), people: z.number().int() }),
  ),
});

const topClientSchema = z.object({
  org: z.string().nullable(),
  feed: z.string().nullable().meta({ description: "`person/<id>` or `schedule/<id>`; null: opened no feed" }),
  client,
  userAgent: z.string(),
  requests: z.number().int(),
});

export const trafficSchema = z.object({
  at: instant,
  perMinute: z.array(
    z.object({
      minute: instant,
      requests: z.number().int(),
      notModified: z.number().int(),
      byClient: z.object({ google: z.number(), apple: z.number(), outlook: z.number(), other: z.number() }),
    }),
  ),
  windows: z.array(
    z.object({
      minutes: z.number().int(),
      requests: z.number().int(),
      notModified: z.number().int(),
      notModifiedShare: z.number(),
      tooManyRequests: z.number().int(),
      unavailable: z.number().int(),
      byStatus: z.record(z.string(), z.number().int()),
      top: z.array(topClientSchema),
    }),
  ),
});

/** A partner key as the admin API shows it (never its key or hash). */
export const partnerKeySchema = z.object({
  id: z.string(),
  org: z.string(),
  name: z.string(),
  burst: z.number().int(),
  perHour: z.number().int(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

/** A new partner key: the key itself is shown this once. */
export const partnerKeyCreatedSchema = partnerKeySchema.extend({ key: z.string() });

export const partnerKeyListSchema = z.object({ partners: z.array(partnerKeySchema) });

export const healthSchema = z.object({
  ok: z.literal(true),
  orgs: z.number().int(),
  /** The tz data in use: its source (`system` or `icu`), its release, and the runtime's own release. */
  tz: z.object({ source: z.string(), version: z.string(), runtime: z.string() }).optional(),
});

export const errorSchema = z.object({
  error: z
    .object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
    })
    .loose(),
});

export type PersonView = z.infer<typeof personViewSchema>;
export type ScheduleView = z.infer<typeof scheduleViewSchema>;
export type FeedView = z.infer<typeof feedViewSchema>;
export type SearchResult = z.infer<typeof searchResultSchema>;

/** The answer schemas, by the name route definitions give them (`openapi-route.ts`). */
export const ANSWER_SCHEMAS = {
  error: errorSchema,
  health: healthSchema,
  job: jobSchema,
  jobAccepted: jobAcceptedSchema,
  partnerKey: partnerKeySchema,
  partnerKeyCreated: partnerKeyCreatedSchema,
  partnerKeyList: partnerKeyListSchema,
  personView: personViewSchema,
  publishResult: publishResultSchema,
  schedulePeople: schedulePeopleSchema,
  scheduleView: scheduleViewSchema,
  searchResult: searchResultSchema,
  traffic: trafficSchema,
} as const;

/** The name of an answer schema. */
export type AnswerSchemaName = keyof typeof ANSWER_SCHEMAS;
