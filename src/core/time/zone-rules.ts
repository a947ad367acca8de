/**
 * A fingerprint of a zone's rules over every instant a feed can show (snapshot dates run 2000–2099, and events end
 * up to a week later): equal fingerprints, equal offsets, transitions and names, so equal instants and VTIMEZONEs.
 * Used to tell which zones a time-zone data update moved (`src/core/maintenance/zone-rules-check.ts`); about 0.1 s a
 * zone from `Intl`, computed only when the tz data in use changed or a check is forced.
 */
import { fingerprint } from "../feeds/fingerprint.ts";
import { zoneNameAt } from "./vtimezone.ts";
import { offsetSecondsAt, transitionsBetween } from "./zone-offsets.ts";

/** First and last instant the fingerprint covers: 1999-12-01 to 2100-02-01 UTC (the snapshot date range, padded). */
const FROM = Date.UTC(1999, 11, 1);
const TO = Date.UTC(2100, 1, 1);

/** 14 hex characters that change whenever `zone`'s offsets (or their TZNAMEs) change anywhere in 2000–2099. */
export function zoneRulesDigest(zone: string): string {
  const initial = offsetSecondsAt(FROM, zone);
  const parts = [`${initial}:${zoneNameAt(zone, FROM, initial)}`];
  for (const t of transitionsBetween(zone, FROM, TO)) {
    parts.push(`${t.at}:${t.before}>${t.after}:${zoneNameAt(zone, t.at, t.after)}`);
  }
  return fingerprint(parts.join(","));
}
