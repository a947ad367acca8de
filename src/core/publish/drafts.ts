/**
 * Pure preparation of a change to an organization: the draft state a publish or a retirement would make live,
 * and which feeds it can affect. The feed service renders, writes and swaps; nothing here touches storage.
 */
import { ServiceError } from "../errors.ts";
import { expandSnapshot } from "../feeds/events.ts";
import { advanceHistory, type History } from "../feeds/history.ts";
import { asHistory, type LegacyHistory } from "../feeds/history-codec.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { personFeedKey, scheduleFeedKey, scheduleStateKey, type FeedKey } from "./keys.ts";
import { draftManifest, emptyManifest, type ScheduleRecord, type ScheduleState } from "./manifest.ts";
import { loadSchedule, type OrgState } from "./org-state.ts";

/** A copy of an organization's state that can be changed without touching the live one. */
export function draftOrg(live: OrgState | undefined, snapshot: Snapshot | null): OrgState {
  if (live) return { manifest: draftManifest(live.manifest), schedules: new Map(live.schedules) };
  if (!snapshot) throw new Error("a new organization needs a snapshot");
  return { manifest: emptyManifest(snapshot), schedules: new Map() };
}

/**
 * Whether a snapshot is an identical replay of the current revision (`true`), or new (`false`).
 * @throws ServiceError `stale_revision` (409) for any other revision not above the current one.
 */
export function isReplay(
  current: ScheduleRecord | undefined,
  snapshot: Snapshot,
  snapshotHash: string,
): boolean {
  if (!current) return false;
  if (!current.retired && current.revision === snapshot.revision && current.snapshotHash === snapshotHash) {
    return true;
  }
  if (snapshot.revision <= current.revision) {
    throw new ServiceError(
      "stale_revision",
      `\`revision\` ${snapshot.revision} is not above the current revision ${current.revision}`,
      [{ path: "$.revision", message: `must be greater than ${current.revision}` }],
      { currentRevision: current.revision },
    );
  }
  return false;
}

/** A publish, prepared: the draft, the schedule state to store, and the feeds to refresh. */
export interface PublishDraft {
  draft: OrgState;
  state: ScheduleState;
  stateKey: string;
  keys: FeedKey[];
}

/**
 * Prepares a new schedule revision: history advanced (SEQUENCE moves only for changed assignments), the
 * schedule record replaced, and as candidates the schedule feed plus everyone in the old or new roster.
 */
export function draftPublish(
  live: OrgState | undefined,
  snapshot: Snapshot,
  snapshotHash: string,
  prevHistory: History | LegacyHistory,
  nowSeconds: number,
): PublishDraft {
  const orgId = snapshot.organization.id;
  const sid = snapshot.schedule.id;
  const events = expandSnapshot(snapshot);
  const state: ScheduleState = {
    format: 1,
    snapshot,
    history: advanceHistory(asHistory(prevHistory), events, nowSeconds),
    receivedAt: nowSeconds,
  };
  const draft = draftOrg(live, snapshot);
  draft.manifest.name = snapshot.organization.name;
  draft.manifest.tier = snapshot.organization.tier;
  draft.schedules.set(sid, loadSchedule(state, events));
  const stateKey = scheduleStateKey(orgId, sid, snapshot.revision);
  draft.manifest.schedules[sid] = {
    revision: snapshot.revision,
    stateKey,
    name: snapshot.schedule.name,
    timezone: snapshot.schedule.timezone,
    snapshotHash,
    publishedAt: snapshot.publishedAt,
    receivedAt: nowSeconds,
    people: snapshot.people.length,
    assignments: snapshot.assignments.length,
    retired: false,
  };
  const previous = live?.schedules.get(sid);
  const people = new Set([...(previous?.byPerson.keys() ?? []), ...snapshot.people.map((p) => p.id)]);
  return { draft, state, stateKey, keys: [scheduleFeedKey(sid), ...[...people].sort().map(personFeedKey)] };
}

/**
 * Prepares a retirement: the schedule leaves the live set (its record stays, marked retired, so a stale
 * revision cannot bring it back), and its feed and everyone it listed are refreshed.
 * @throws ServiceError `not_found` when the schedule is not live.
 */
export function draftRetire(live: OrgState | undefined, orgId: string, sid: string) {
  const current = live?.manifest.schedules[sid];
  const loaded = live?.schedules.get(sid);
  if (!live || !current || current.retired || !loaded) {
    throw new ServiceError("not_found", `no live schedule \`${sid}\` in \`${orgId}\``);
  }
  const draft = draftOrg(live, null);
  draft.schedules.delete(sid);
  draft.manifest.schedules[sid] = { ...current, retired: true };
  const keys: FeedKey[] = [scheduleFeedKey(sid), ...[...loaded.byPerson.keys()].sort().map(personFeedKey)];
  return { draft, keys, revision: current.revision };
}
