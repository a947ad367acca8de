/**
 * The stored form of a piece (one person's rendered events in one schedule): gzip JSON of
 * `[sortKey, zone, tzid, fromYear, toYear, block]` rows, in sort order.
 */
import type { RenderedEvent } from "../ical/render-events.ts";
import type { Codec } from "../compress.ts";

type Row = [string, string, 0 | 1, number, number, string];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A piece's stored bytes. */
export async function encodePiece(events: readonly RenderedEvent[], codec: Codec): Promise<Uint8Array> {
  const rows: Row[] = events.map((e) => [e.sortKey, e.zone, e.tzid ? 1 : 0, e.fromYear, e.toYear, e.block]);
  return codec.gzip(encoder.encode(JSON.stringify(rows)), true);
}

/** A piece's events from its stored bytes. */
export async function decodePiece(bytes: Uint8Array, codec: Codec): Promise<RenderedEvent[]> {
  const rows = JSON.parse(decoder.decode(await codec.gunzip(bytes))) as Row[];
  return rows.map(([sortKey, zone, tzid, fromYear, toYear, block]) => ({
    sortKey,
    zone,
    tzid: tzid === 1,
    fromYear,
    toYear,
    block,
  }));
}
