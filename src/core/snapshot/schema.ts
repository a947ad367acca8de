/**
 * The structural schema of a `shiftfeed.snapshot/1` document (docs/snapshot-format.md), in zod 4.
 *
 * This file checks each field on its own: types, formats, lengths and unknown properties, using the rules of
 * `field-checks.ts`. Rules that relate fields or records to each other (cross references, duplicates, shift
 * lengths) live in `cross-record-rules.ts` and `assignment-times.ts`; `validate.ts` is the public entry point.
 */
import { z } from "zod";
import {
  ID,
  SUPPORTED_DATE,
  TIME,
  dateProblem,
  idProblem,
  instantProblem,
  revisionProblem,
  textProblem,
  timeProblem,
  zoneProblem,
} from "./field-checks.ts";
import { SNAPSHOT_FORMAT, SNAPSHOT_LIMITS } from "./limits.ts";
import { show } from "./show.ts";

/**
 * A string schema whose rule is `problem` (a bare message, or `undefined` when fine). With `fast`, a regex that
 * accepts exactly the valid strings runs first: zod's regex check is several times cheaper than a refinement,
 * which matters for the fields of 500,000 assignments; `problem` then only words the message.
 */
function stringWith(problem: (s: string) => string | undefined, fast?: RegExp) {
  const error = (issue: { input?: unknown }) => problem(String(issue.input)) ?? "is invalid";
  if (fast !== undefined) return z.string().regex(fast, { error });
  return z.string().refine((s) => problem(s) === undefined, { error });
}

/**
 * A number schema whose rule is `problem`. Unlike `z.number()` it lets `problem` word non-finite input too, which
 * is what a huge literal such as `1e309` parses to.
 */
function numberWith(problem: (n: number) => string | undefined) {
  return z.custom<number>((v) => typeof v === "number" && problem(v) === undefined, {
    error: (issue) =>
      typeof issue.input === "number"
        ? (problem(issue.input) ?? "is invalid")
        : `must be a number, got ${show(issue.input)}`,
  });
}

/** An id (organization, schedule, person, shift, assignment); also what admin URLs and bodies name. */
export const idSchema = stringWith(idProblem, ID);
const id = idSchema;
const name = stringWith((s) => textProblem(s, SNAPSHOT_LIMITS.maxNameLength, true));
const contact = stringWith((s) => textProblem(s, SNAPSHOT_LIMITS.maxContactLength, false));
const note = stringWith((s) => textProblem(s, SNAPSHOT_LIMITS.maxNoteLength, false));
const localDate = stringWith(dateProblem, SUPPORTED_DATE);
const localTime = stringWith(timeProblem, TIME);

export const organizationSchema = z.strictObject({
  id,
  name,
  tier: z.enum(["enterprise", "standard"]).default("standard"),
});

export const scheduleSchema = z.strictObject({
  id,
  name,
  timezone: stringWith(zoneProblem).meta({ description: "`UTC` or a canonical IANA `Area/Location` zone" }),
});

export const personSchema = z.strictObject({
  id,
  name,
  email: contact.optional(),
  phone: contact.optional(),
});

/** One shift definition; whether `start`/`end` must be present depends on `allDay` (checked in `cross-record-rules.ts`). */
export const shiftSchema = z.strictObject({
  id,
  name,
  allDay: z.boolean().optional(),
  start: localTime.optional(),
  end: localTime.optional(),
  location: contact.optional(),
});

export const assignmentSchema = z.strictObject({
  id,
  personId: id,
  shiftId: id,
  date: localDate,
  endDate: localDate.optional(),
  start: localTime.optional(),
  end: localTime.optional(),
  note: note.optional(),
});

/** The whole document. Array lengths are checked before parsing (see `validate.ts`), not here. */
export const snapshotSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  organization: organizationSchema,
  schedule: scheduleSchema,
  // `meta` only describes these custom rules in the OpenAPI document (`src/http/openapi.ts`); it checks nothing.
  revision: numberWith(revisionProblem).meta({
    type: "integer",
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description: "strictly increases per schedule",
  }),
  publishedAt: stringWith(instantProblem).meta({ format: "date-time" }),
  people: z.array(personSchema),
  shifts: z.array(shiftSchema),
  assignments: z.array(assignmentSchema),
});

export type SnapshotInput = z.output<typeof snapshotSchema>;
