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

/** People and schedules matching every word of `query`, at most `limit` of each, sorted by name. */
export function search(sql: SqlPort, query: string, limit: number): SearchHits {
  const words = foldText(query).split(/\s+/).filter(Boolean);
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
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  return {
    people: people.sort(byName).slice(0, limit),
    schedules: schedules.sort(byName).slice(0, limit),
  };
}
