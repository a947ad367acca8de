/**
 * Finding people and schedules by name or id for the admin page (`GET /admin/search`). Matching ignores case and
 * accents ("lopez" finds "Ana López, MD"), so it is done here rather than with SQL `LIKE` (ASCII case only): one
 * read of the live people and schedules, then every word of the query must occur in a candidate's name or ids.
 */
import { livePeople } from "../store/pieces-table.ts";
import { liveSchedules, orgIds } from "../store/schedules-table.ts";
import type { SqlPort } from "../store/sql-port.ts";

export interface SearchHits {
  people: { org: string; person: string; name: string; schedules: string[] }[];
  schedules: { org: string; schedule: string; name: string; people: number }[];
}

/** Lower case without accents: the form both sides of a match are compared in. */
export const foldText = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/** The words of a query, folded: a candidate matches when it holds every one (none: the search finds nothing). */
export const searchWords = (query: string): string[] => foldText(query).split(/\s+/).filter(Boolean);

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/** People and schedules matching every word of `query`, at most `limit` of each, sorted by name. */
export function search(sql: SqlPort, query: string, limit: number): SearchHits {
  const words = searchWords(query);
  if (words.length === 0) return { people: [], schedules: [] };
  const matches = (...texts: string[]) => {
    const hay = foldText(texts.join(" "));
    return words.every((w) => hay.includes(w));
  };
  // One entry per person (a person listed by several schedules has several rows), matched on any of their names.
  const byPerson = new Map<string, SearchHits["people"][number] & { names: string[] }>();
  for (const row of livePeople(sql)) {
    const key = `${row.org}/${row.person}`;
    const seen = byPerson.get(key);
    if (seen) {
      seen.schedules.push(row.schedule);
      seen.names.push(row.name);
    } else {
      const hit = { org: row.org, person: row.person, name: row.name, schedules: [row.schedule] };
      byPerson.set(key, { ...hit, names: [row.name] });
    }
  }
  const people = [...byPerson.values()]
    .filter((p) => matches(...p.names, p.person, p.org))
    .map(({ names: _names, ...hit }) => hit);
  const schedules = orgIds(sql)
    .flatMap((org) => liveSchedules(sql, org))
    .filter((s) => matches(s.name, s.schedule, s.org))
    .map((s) => ({ org: s.org, schedule: s.schedule, name: s.name, people: s.people }));
  return {
    people: people.sort(byName).slice(0, limit),
    schedules: schedules.sort(byName).slice(0, limit),
  };
}

/**
 * The hits of searches made apart (one per organization, each already cut to `limit`) as one search over them
 * all would answer: sorted by name the same way, at most `limit` of each. Parts given in organization order keep
 * equal names in that order, as one search does.
 */
export function mergeHits(parts: readonly SearchHits[], limit: number): SearchHits {
  return {
    people: parts
      .flatMap((p) => p.people)
      .sort(byName)
      .slice(0, limit),
    schedules: parts
      .flatMap((p) => p.schedules)
      .sort(byName)
      .slice(0, limit),
  };
}
