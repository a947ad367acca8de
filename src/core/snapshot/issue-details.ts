/**
 * Translates zod issues into located, field-naming problem messages (`$.people[2].emial`: "`emial` is not a
 * property of a person (did you mean `email`?)"), in the same bare-problem style as `field-checks.ts`.
 */
import type { z } from "zod";
import { show, showKey } from "./show.ts";
import type { Path } from "./json-path.ts";
import {
  assignmentSchema,
  organizationSchema,
  personSchema,
  scheduleSchema,
  shiftSchema,
  snapshotSchema,
} from "./schema.ts";

const SHAPES: Record<string, { shape: object }> = {
  organization: organizationSchema,
  schedule: scheduleSchema,
  people: personSchema,
  shifts: shiftSchema,
  assignments: assignmentSchema,
};
const KINDS: Record<string, string> = {
  organization: "`organization`",
  schedule: "`schedule`",
  people: "a person",
  shifts: "a shift",
  assignments: "an assignment",
};

/**
 * Turns one zod issue into located, field-naming messages. An unknown-keys issue becomes one detail per key,
 * at the key's own path, with a "did you mean" hint when a known property is one typo away.
 */
export function issueDetails(issue: z.core.$ZodIssue): { path: Path; message: string | (() => string) }[] {
  const path = issue.path.filter((seg): seg is string | number => typeof seg !== "symbol");
  const last = path[path.length - 1];
  const field =
    last === undefined
      ? "the snapshot"
      : typeof last === "number"
        ? `\`${String(path[path.length - 2])}[${last}]\``
        : showKey(last);
  // JSON has no `undefined`: an issue about one is about a property that is not there.
  const input = "input" in issue ? issue.input : undefined;
  if (input === undefined && issue.code !== "unrecognized_keys")
    return [{ path, message: `${field} is required` }];

  switch (issue.code) {
    case "unrecognized_keys": {
      // The container is the nearest key naming a kind of object (`assignments` for `$.assignments[3]`).
      const container = [...path].reverse().find((seg): seg is string => typeof seg === "string");
      const known = Object.keys(
        (container !== undefined ? SHAPES[container] : undefined)?.shape ?? snapshotSchema.shape,
      );
      const kind = (container !== undefined ? KINDS[container] : undefined) ?? "the snapshot";
      // Worded lazily: a hostile object of a million unknown keys pays the hint search for the listed ones only.
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: () => {
          const hint = closest(key, known);
          return `${showKey(key)} is not a property of ${kind}${hint === undefined ? "" : ` (did you mean \`${hint}\`?)`}`;
        },
      }));
    }
    case "invalid_type":
      return [{ path, message: `${field} must be ${article(issue.expected)}, got ${show(input)}` }];
    case "invalid_value": {
      const options = issue.values.map((v) => show(v)).join(", ");
      const want = issue.values.length === 1 ? options : `one of ${options}`;
      return [{ path, message: `${field} must be ${want}, got ${show(input)}` }];
    }
    default:
      // `custom` and `invalid_format`: the schema's own rules, worded by `field-checks.ts`.
      return [{ path, message: `${field} ${issue.message}` }];
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The known name at edit distance ≤ 2 (ignoring case) from `key`, if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 3;
}
