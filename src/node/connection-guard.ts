/**
 * Bounds on open connections, shared by every serving thread: in all (`maxConnections`), and per client address
 * (`maxPerAddress`), so a slowloris holding hundreds of sockets cannot exhaust descriptors or crowd out ordinary
 * polls.
 *
 * A connection that has not yet sent a whole request ("pre-request") costs its holder nothing, so it is what a
 * flood of idle sockets is made of, while a real client sends its request within a round trip of connecting.
 * Such connections are bounded three ways:
 * - in time: one that has sent no byte at all within `firstByteTimeoutMs` is closed;
 * - per address: one still waiting after {@link IDLE_AFTER_MS} is *idle*, and an address may hold at most
 *   `maxPreRequestPerAddress` idle connections (far below the bound in all, so a few addresses cannot fill it).
 *   Only idle ones count: a burst of connections accepted in one go, whose requests are in the socket buffers but
 *   not read yet, is never mistaken for a flood;
 * - at a bound on open connections, a new connection takes the place of this thread's oldest pre-request
 *   connection counted against that bound instead of being refused: while connections are merely waiting, a real
 *   client and `/healthz` still get in, and a connection that sends its request at once is never the oldest. A
 *   thread holding no pre-request connection of its own (a flood accepted by the other threads) still lets the new
 *   connection in while other threads hold some, and owes the room: within {@link ROOM_MS} a thread holding one at
 *   least {@link PAY_MIN_AGE_MS} old closes it, so the bound is exceeded by at most those connections, for a moment.
 *   A new connection is refused only when every connection the bound counts, on every thread, is in use.
 *
 * Counters live in a `SharedArrayBuffer`; addresses hash into fixed arrays of counters (two addresses sharing a
 * counter only makes the bound stricter for both). The pre-request connections themselves are per thread (the
 * sockets live there), oldest first.
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionSettings } from "../core/config.ts";
import { clientAddress } from "../core/limits/client-address.ts";

/** Per-address counters of each kind (a power of two). */
const ADDRESS_COUNTERS = 1 << 14;
/** Layout of the shared counters: totals, then open connections per address, then idle ones. */
const TOTAL = 0;
const PRE_REQUEST = 1;
const CLOSED_FIRST_BYTE = 2;
const CLOSED_FOR_NEW = 3;
const CLOSED_IDLE_PER_ADDRESS = 4;
/** Room owed at the bound: connections let in by a thread with no pre-request connection of its own to close. */
const ROOM_OWED = 5;
const FIXED = 6;
const OPEN_BASE = FIXED;
const IDLE_BASE = FIXED + ADDRESS_COUNTERS;
/** How often pre-request connections are checked (ms). */
const CHECK_MS = 500;
/** How often a thread looks for room owed by another (ms). */
export const ROOM_MS = 25;
/**
 * Youngest pre-request connection that pays room owed (ms): the connection let in over the bound is never closed
 * for it before its request could arrive.
 */
export const PAY_MIN_AGE_MS = 100;
/**
 * A connection still without a whole request this long after it was accepted is idle (ms): a real client's request
 * arrives within a round trip.
 */
export const IDLE_AFTER_MS = 1000;

/** A zeroed buffer for the counters. */
export function allocateConnectionCounters(): SharedArrayBuffer {
  return new SharedArrayBuffer((FIXED + 2 * ADDRESS_COUNTERS) * 4);
}

function slotOf(address: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) h = Math.imul(h ^ address.charCodeAt(i), 0x01000193);
  return (h >>> 0) & (ADDRESS_COUNTERS - 1);
}

export interface ConnectionGuardOptions {
  counters: SharedArrayBuffer;
  settings: ConnectionSettings;
  /** Per-address counting is skipped behind a trusted proxy (every connection comes from the proxy). */
  perAddress: boolean;
  /** Told about each refused connection. */
  refused: (kind: "connections_address" | "connections_total") => void;
}

/** A pre-request connection of this thread: when it was accepted, how to count it out once, and its idle count. */
interface Waiting {
  at: number;
  done: () => void;
  /** Counts it as idle against its address; `false` when that address already holds its share. */
  idle: () => boolean;
  counted: boolean;
}

/** Closes a pre-request connection, counted under `reason` (a counter index). */
function closeFor(counts: Int32Array, reason: number, socket: Socket, w: Waiting): void {
  w.done();
  Atomics.add(counts, reason, 1);
  socket.destroy();
}

/** Installs the bounds on a server (call before it listens). */
export function guardConnections(server: Server, options: ConnectionGuardOptions): void {
  const counts = new Int32Array(options.counters);
  const { maxConnections, maxPerAddress, maxPreRequestPerAddress, firstByteTimeoutMs } = options.settings;
  /** This thread's pre-request connections, oldest first (a `Map` keeps insertion order), and by address. */
  const waiting = new Map<Socket, Waiting>();
  const waitingAt = new Map<number, Set<Socket>>();

  /** Closes the oldest of `sockets` to make room for a new connection; `false` when there is none. */
  const makeRoom = (sockets: Iterable<Socket> | undefined): boolean => {
    const oldest = sockets?.[Symbol.iterator]().next();
    if (oldest === undefined || oldest.done) return false;
    closeFor(counts, CLOSED_FOR_NEW, oldest.value, waiting.get(oldest.value)!);
    return true;
  };

  server.on("connection", (socket: Socket) => {
    const address = options.perAddress ? clientAddress(socket.remoteAddress) : null;
    const slot = address === null ? -1 : slotOf(address);
    const total = Atomics.add(counts, TOTAL, 1);
    const mine = slot < 0 ? 0 : Atomics.add(counts, OPEN_BASE + slot, 1);
    Atomics.add(counts, PRE_REQUEST, 1);
    let pre = true;
    let idle = false;
    const done = () => {
      if (!pre) return;
      pre = false;
      waiting.delete(socket);
      const mineWaiting = waitingAt.get(slot);
      if (mineWaiting?.delete(socket) && mineWaiting.size === 0) waitingAt.delete(slot);
      Atomics.sub(counts, PRE_REQUEST, 1);
      if (idle) Atomics.sub(counts, IDLE_BASE + slot, 1);
    };
    const countIdle = () => {
      if (slot < 0) return true;
      idle = true;
      return Atomics.add(counts, IDLE_BASE + slot, 1) < maxPreRequestPerAddress;
    };
    socket.once("close", () => {
      done();
      Atomics.sub(counts, TOTAL, 1);
      if (slot >= 0) Atomics.sub(counts, OPEN_BASE + slot, 1);
    });
    // At a bound, the oldest connection still waiting for its request and counted against that bound makes room;
    // the new one is refused only when every connection the bound counts is in use.
    const overAddress = mine >= maxPerAddress;
    if (overAddress && !makeRoom(waitingAt.get(slot))) {
      options.refused("connections_address");
      socket.destroy();
      return;
    }
    if (!overAddress && total >= maxConnections && !makeRoom(waiting.keys())) {
      // None of this thread's own: another thread's pre-request connection (not already owed) makes room.
      if (Atomics.load(counts, PRE_REQUEST) - 1 > Atomics.load(counts, ROOM_OWED)) {
        Atomics.add(counts, ROOM_OWED, 1);
      } else {
        options.refused("connections_total");
        socket.destroy();
        return;
      }
    }
    waiting.set(socket, { at: performance.now(), done, idle: countIdle, counted: false });
    if (slot >= 0) {
      let mineWaiting = waitingAt.get(slot);
      if (mineWaiting === undefined) waitingAt.set(slot, (mineWaiting = new Set()));
      mineWaiting.add(socket);
    }
  });
  // A whole request has arrived: the connection is no longer pre-request (a kept-alive one stays counted out).
  server.on("request", (req: { socket: Socket }) => waiting.get(req.socket)?.done());

  // Oldest first: a connection past the first-byte timeout that has sent nothing is closed; one that has just
  // become idle is counted against its address, and closed when the address already holds its share.
  const check = setInterval(() => {
    const now = performance.now();
    for (const [socket, w] of waiting) {
      const age = now - w.at;
      if (age < IDLE_AFTER_MS && age < firstByteTimeoutMs) break; // the rest are younger
      if (age >= firstByteTimeoutMs && socket.bytesRead === 0) {
        closeFor(counts, CLOSED_FIRST_BYTE, socket, w);
      } else if (age >= IDLE_AFTER_MS && !w.counted) {
        w.counted = true;
        if (!w.idle()) closeFor(counts, CLOSED_IDLE_PER_ADDRESS, socket, w);
      }
    }
  }, CHECK_MS);
  check.unref();

  // Room another thread let a connection in on: paid with this thread's oldest pre-request connections, one each.
  const pay = setInterval(() => {
    if (Atomics.load(counts, ROOM_OWED) <= 0) return;
    if (Atomics.load(counts, TOTAL) <= maxConnections) {
      // Connections went meanwhile: nothing is owed any more.
      Atomics.store(counts, ROOM_OWED, 0);
      return;
    }
    const now = performance.now();
    for (const [socket, w] of waiting) {
      if (now - w.at < PAY_MIN_AGE_MS) break; // the rest are younger
      let owed = Atomics.load(counts, ROOM_OWED);
      while (owed > 0) {
        const seen = Atomics.compareExchange(counts, ROOM_OWED, owed, owed - 1);
        if (seen === owed) break;
        owed = seen;
      }
      if (owed <= 0) return;
      closeFor(counts, CLOSED_FOR_NEW, socket, w);
    }
  }, ROOM_MS);
  pay.unref();
  server.once("close", () => {
    clearInterval(check);
    clearInterval(pay);
  });
}

/** Open connections now, in all. */
export function openConnections(counters: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(counters), TOTAL);
}

/** What the bounds on pre-request connections have done, for `/metrics`. */
export function preRequestStatus(counters: SharedArrayBuffer): {
  open: number;
  closedFirstByte: number;
  closedForNew: number;
  closedIdlePerAddress: number;
} {
  const counts = new Int32Array(counters);
  return {
    open: Atomics.load(counts, PRE_REQUEST),
    closedFirstByte: Atomics.load(counts, CLOSED_FIRST_BYTE),
    closedForNew: Atomics.load(counts, CLOSED_FOR_NEW),
    closedIdlePerAddress: Atomics.load(counts, CLOSED_IDLE_PER_ADDRESS),
  };
}
