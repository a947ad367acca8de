/**
 * The body of `POST /admin/regenerate`, `{ "org"?, "schedule"?, "person"?, "force"? }`, read with the same rules as a
 * snapshot: strict UTF-8 JSON, ids of the id form, no unknown fields, no duplicate keys. An empty body is the
 * empty scope (everything).
 */
import { ServiceError, type ErrorDetail } from "../core/errors.ts";
import type { RegenerateScope } from "../core/publish/maintenance.ts";
import { idProblem } from "../core/snapshot/field-checks.ts";
import { formatPath } from "../core/snapshot/json-path.ts";
import { findDuplicateKeys } from "../core/snapshot/json-text.ts";
import { isRecord } from "../core/snapshot/json-value.ts";
import { decodeJsonText, parseJsonText } from "../core/snapshot/parse-body.ts";
import { show, showKey } from "../core/snapshot/show.ts";

// A scope has three fields: a hundred problems already say everything.
const MAX_DETAILS = 100;

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

  const details: ErrorDetail[] = [];
  findDuplicateKeys(decoded.text, (path, key) => {
    details.push({ path: formatPath(path), message: `${showKey(key)} appears more than once` });
  });
  const scope: RegenerateScope = {};
  for (const [field, v] of Object.entries(value)) {
    const path = formatPath([field]);
    if (field === "force") {
      if (typeof v === "boolean") scope.force = v;
      else details.push({ path, message: `\`force\` must be true or false, got ${show(v)}` });
    } else if (field !== "org" && field !== "schedule" && field !== "person") {
      details.push({ path, message: `${showKey(field)} is not a field of a regeneration scope` });
    } else if (typeof v !== "string") {
      details.push({ path, message: `\`${field}\` must be an id, got ${show(v)}` });
    } else {
      const problem = idProblem(v);
      if (problem === undefined) scope[field] = v;
      else details.push({ path, message: `\`${field}\` ${problem}` });
    }
  }
  if (details.length > MAX_DETAILS) {
    const more = details.length - MAX_DETAILS;
    details.splice(MAX_DETAILS, more, { path: "$", message: `${more} more problems not listed` });
  }
  if (details.length > 0)
    throw new ServiceError("bad_request", "The regeneration scope is not valid.", details);
  return scope;
}
