/**
 * Locations inside a snapshot document: the `Path` type, the document order that sorts problems top to bottom,
 * and the `$.assignments[3].date` notation used in error details.
 */
import { quote, SHOWN_CHARACTERS } from "./show.ts";

/** A location inside the document: object keys and array indexes from the root. */
export type Path = readonly (string | number)[];

// Field order of docs/snapshot-format.md's example, so details read top to bottom like the document.
const KEY_ORDER = new Map(
  [
    ...["format", "organization", "schedule", "revision", "publishedAt", "people", "shifts", "assignments"],
    ...[
      "id",
      "personId",
      "shiftId",
      "name",
      "tier",
      "timezone",
      "email",
      "phone",
      "allDay",
      "date",
      "endDate",
    ],
    ...["start", "end", "location", "note"],
  ].map((key, rank) => [key, rank]),
);

/** A total order on paths: indexes numerically, known keys in document order, then other keys by name. */
export function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    const rx = KEY_ORDER.get(x ?? "") ?? KEY_ORDER.size;
    const ry = KEY_ORDER.get(y ?? "") ?? KEY_ORDER.size;
    if (rx !== ry) return rx - ry;
    return (x ?? "") < (y ?? "") ? -1 : 1;
  }
  return a.length - b.length;
}

const NAME = new RegExp(`^[A-Za-z_][A-Za-z0-9_]{0,${SHOWN_CHARACTERS - 1}}$`);

/**
 * `["assignments", 3, "date"]` → `$.assignments[3].date`; odd keys are quoted, long ones cut like any input
 * shown in a message: `$["a b"]`, `$["xxxx…"]`.
 */
export function formatPath(path: Path): string {
  let out = "$";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += NAME.test(seg) ? `.${seg}` : `[${quote(seg, false)}]`;
  }
  return out;
}
