/**
 * `GET /admin/search` on Workers. Each organization's people and schedules live in its own Durable Object, so a
 * search across organizations asks each registered one (`org-registry.ts`) for its own hits — at most
 * {@link SEARCH_FAN_OUT} at a time, so a deployment with many organizations never holds more than that many calls
 * open — and merges them as one search over a single database would answer (`mergeHits`). A query without words
 * asks no one. The cost grows with the number of organizations (one small call each), not with their size.
 */
import { mergeHits, searchWords, type SearchHits } from "../core/publish/search.ts";
import type { WorkerEnv } from "./env.ts";
import { askEveryOrg } from "./org-calls.ts";

/** Most organizations asked at once (a Worker invocation keeps at most six connections open). */
export const SEARCH_FAN_OUT = 6;

/** People and schedules of every organization matching every word of `query`, at most `limit` of each. */
export async function searchEverywhere(env: WorkerEnv, query: string, limit: number): Promise<SearchHits> {
  if (searchWords(query).length === 0) return { people: [], schedules: [] };
  const parts = await askEveryOrg(env, SEARCH_FAN_OUT, (org) => org.search(query, limit));
  return mergeHits(parts, limit);
}
