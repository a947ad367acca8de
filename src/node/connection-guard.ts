/**
 * Bounds on open connections, shared by every serving thread: in all, and per client address, so a slowloris
 * holding hundreds of sockets cannot exhaust descriptors or crowd out ordinary polls. A connection over a bound
 * is closed as it is accepted, before a byte of it is parsed. Counters live in a `SharedArrayBuffer`; addresses
 * hash into a fixed array of counters (two addresses sharing a counter only makes the bound stricter for both).
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionSettings } from "../core/config.ts";
import { clientAddress } from "../core/limits/client-address.ts";

/** Per-address counters (a power of two). */
const ADDRESS_COUNTERS = 1 << 14;

/** A zeroed buffer for the counters. */
export function allocateConnectionCounters(): SharedArrayBuffer {
  return new SharedArrayBuffer((1 + ADDRESS_COUNTERS) * 4);
}

function slotOf(address: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) h = Math.imul(h ^ address.charCodeAt(i), 0x01000193);
  return 1 + ((h >>> 0) & (ADDRESS_COUNTERS - 1));
}

export interface ConnectionGuardOptions {
  counters: SharedArrayBuffer;
  settings: ConnectionSettings;
  /** Per-address counting is skipped behind a trusted proxy (every connection comes from the proxy). */
  perAddress: boolean;
  /** Told about each refused connection. */
  refused: (kind: "connections_address" | "connections_total") => void;
}

/** Installs the bounds on a server (call before it listens). */
export function guardConnections(server: Server, options: ConnectionGuardOptions): void {
  const counts = new Int32Array(options.counters);
  const { maxConnections, maxPerAddress } = options.settings;
  server.on("connection", (socket: Socket) => {
    const address = options.perAddress ? clientAddress(socket.remoteAddress) : null;
    const slot = address === null ? -1 : slotOf(address);
    const total = Atomics.add(counts, 0, 1);
    const mine = slot < 0 ? 0 : Atomics.add(counts, slot, 1);
    socket.once("close", () => {
      Atomics.sub(counts, 0, 1);
      if (slot >= 0) Atomics.sub(counts, slot, 1);
    });
    if (total >= maxConnections) {
      options.refused("connections_total");
      socket.destroy();
    } else if (mine >= maxPerAddress) {
      options.refused("connections_address");
      socket.destroy();
    }
  });
}

/** Open connections now, in all. */
export function openConnections(counters: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(counters), 0);
}
