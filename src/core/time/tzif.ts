/**
 * Compiled tz data (TZif, RFC 8536, https://www.rfc-editor.org/rfc/rfc8536): the files `zic` writes under
 * `/usr/share/zoneinfo`. Only version 2+ files are read (their 64-bit section and the footer's POSIX TZ string,
 * which rules every instant past the last listed transition); leap-second records are skipped (the usual
 * `zoneinfo/` tree has none: its times are plain UTC). Pure: bytes in, offsets out; reading files is the host's.
 */
import { parsePosixTz, posixChanges, posixOffsetAt, type PosixTz } from "./posix-tz.ts";
import type { Transition, ZoneSpan } from "./zone-source.ts";

/** A zone's rules from one TZif file. */
export interface TzifZone {
  /** Offset (seconds east of UTC) before the first transition. */
  initial: number;
  /** Listed changes of offset, ascending (transitions that change only the abbreviation are dropped). */
  transitions: Transition[];
  /** The rule past the last listed transition; `null` when the footer is empty (the last offset then holds). */
  footer: PosixTz | null;
  /**
   * Where the footer takes over: the last listed transition, also when it changes only the abbreviation or the
   * daylight flag (Nuuk's 2023-10-28 in a "slim" file: -02 stays, and the footer's -01 summers start in 2024).
   */
  footerFrom: number;
}

/** Parses a TZif file's bytes; throws an Error saying what is wrong when they are not TZif version 2 or later. */
export function parseTzif(bytes: Uint8Array): TzifZone {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.length < 44 || magic !== "TZif") throw new Error("not a TZif file");
  if (bytes[4] === 0)
    throw new Error("TZif version 1 (no 64-bit data): compile it with a zic from 2005 or later");
  const counts = (at: number) => {
    const [isut, isstd, leap, time, type, char] = [0, 1, 2, 3, 4, 5].map((i) =>
      view.getUint32(at + 20 + i * 4),
    );
    return { isut, isstd, leap, time, type, char } as Record<string, number>;
  };
  const v1 = counts(0);
  let at = 44 + v1.time! * 5 + v1.type! * 6 + v1.char! + v1.leap! * 8 + v1.isstd! + v1.isut!;
  if (String.fromCharCode(...bytes.subarray(at, at + 4)) !== "TZif")
    throw new Error("TZif: no version 2 header");
  const c = counts(at);
  at += 44;
  const need = c.time! * 9 + c.type! * 6 + c.char! + c.leap! * 12 + c.isstd! + c.isut!;
  if (c.type! < 1 || at + need > bytes.length) throw new Error("TZif: truncated data block");
  const times: number[] = [];
  for (let i = 0; i < c.time!; i++) times.push(Number(view.getBigInt64(at + i * 8)) * 1000);
  at += c.time! * 8;
  const typeOf = Array.from(bytes.subarray(at, at + c.time!));
  at += c.time!;
  const utoff: number[] = [];
  for (let i = 0; i < c.type!; i++) utoff.push(view.getInt32(at + i * 6));
  at += c.type! * 6 + c.char! + c.leap! * 12 + c.isstd! + c.isut!;
  const footerText = new TextDecoder().decode(bytes.subarray(at)).split("\n")[1] ?? "";
  const initial = utoff[0] as number;
  const transitions: Transition[] = [];
  let before = initial;
  for (let i = 0; i < times.length; i++) {
    const after = utoff[typeOf[i] as number];
    if (after === undefined) throw new Error("TZif: a transition names no local time type");
    if (after !== before) transitions.push({ at: times[i] as number, before, after });
    before = after;
  }
  const footer = footerText === "" ? null : parsePosixTz(footerText);
  if (footerText !== "" && footer === null) throw new Error(`TZif: unreadable footer \`${footerText}\``);
  return { initial, transitions, footer, footerFrom: times[times.length - 1] ?? -Infinity };
}

/** Offset in force at `atMs` under a parsed zone. */
function offsetAt(zone: TzifZone, atMs: number): number {
  const list = zone.transitions;
  if (zone.footer && atMs >= zone.footerFrom) return posixOffsetAt(zone.footer, atMs);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as Transition).at <= atMs) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? zone.initial : (list[lo - 1] as Transition).after;
}

/** The offset just before `from` and every change of offset with `from <= at < to`, listed or from the footer. */
export function tzifSpan(zone: TzifZone, from: number, to: number): ZoneSpan {
  const transitions = zone.transitions.filter((t) => t.at >= from && t.at < to);
  if (zone.footer) {
    const after = Math.max(from, zone.footerFrom + 1000);
    let before = offsetAt(zone, after - 1000);
    for (const at of posixChanges(zone.footer, after, to)) {
      const next = posixOffsetAt(zone.footer, at);
      if (next !== before) transitions.push({ at, before, after: next });
      before = next;
    }
  }
  return { initial: offsetAt(zone, from - 1000), transitions };
}
