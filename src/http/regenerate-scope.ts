/**
 * The body of `POST /admin/regenerate`, `{ "org"?, "schedule"?, "person"?, "force"? }`, read with the same rules as a
 * snapshot: strict UTF-8 JSON, ids of the id form, no unknown fields, no duplicate keys. An empty body is the
 * empty scope (everything). The zod schema below is what validates it and what the OpenAPI document shows.
 */
import { z } from "zod";
import { ServiceError, type ErrorDetail } from "../core/errors.ts";
import type { RegenerateScope } from "../core/maintenance/maintenance.ts";
import { formatPath } from "../core/snapshot/json-path.ts";
import { findDuplicateKeys } from "../core/snapshot/json-text.ts";
import { isRecord } from "../core/snapshot/json-value.ts";
import { decodeJsonText, parseJsonText } from "../core/snapshot/parse-body.ts";
import { idSchema } from "../core/snapshot/schema.ts";
import { show, showKey } from "../core/snapshot/show.ts";

/** A regeneration scope: omitted fields widen it; `schedule` and `person` need `org`. */
export const regenerateScopeSchema = z.strictObject({
  org: idSchema.optional(),
  schedule: idSchema.optional(),
  person: idSchema.optional(),
  force: z
    .boolean()
    .optional()
    .meta({ description: "render every event again, even where its input is unchanged" }),
});

// A scope has four fields: a hundred problems already say everything.
const MAX_DETAILS = 100;

/** One located message per zod issue, worded like the snapshot's. */
function details(issue: z.core.$ZodIssue): ErrorDetail[] {
  const field = String(issue.path[0] ?? "");
  const path = formatPath(issue.path.filter((p): p is string => typeof p === "string"));
  const input = "input" in issue ? issue.input : undefined;
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: formatPath([key]),
      message: `${showKey(key)} is not a field of a regeneration scope`,
    }));
  }
  if (field === "force") return [{ path, message: `\`force\` must be true or false, got ${show(input)}` }];
  if (issue.code === "invalid_type")
    return [{ path, message: `\`${field}\` must be an id, got ${show(input)}` }];
  return [{ path, message: `\`${field}\` ${issue.message}` }];
}

/**
 * @throws ServiceError `invalid_json` for a body that is not JSON, `bad_request` (every problem listed) for a
 *   JSON body that is not a valid scope.
 */
export function parseRegenerateScope(bytes: Uint8Array): RegenerateScope {
  if (bytes.length === 0) return {};
  const decoded = decodeJsonText(bytes);
  if (!decoded.ok) throw new ServiceError("invalid_json", decoded.message);
  const parsed = parseJsonText(decoded.text);
  if (!parsed.ok) throw new ServiceError("invalid_json", parsed.message);
  const value = parsed.value;
  if (!isRecord(value)) {
    throw new ServiceError("bad_request", "The body must be a JSON object.", [
      { path: "$", message: `must be an object, got ${show(value)}` },
    ]);
  }

  const problems: ErrorDetail[] = [];
  findDuplicateKeys(decoded.text, (path, key) => {
    problems.push({ path: formatPath(path), message: `${showKey(key)} appears more than once` });
  });
  const result = regenerateScopeSchema.safeParse(value);
  if (!result.success) problems.push(...result.error.issues.flatMap(details));
  if (problems.length > MAX_DETAILS) {
    const more = problems.length - MAX_DETAILS;
    problems.splice(MAX_DETAILS, more, { path: "$", message: `${more} more problems not listed` });
  }
  if (problems.length > 0 || !result.success)
    throw new ServiceError("bad_request", "The regeneration scope is not valid.", problems);
  return result.data;
}
