/**
 * shiftfeed as `npm start` runs it (`node src/node/main.ts`), configured only through its environment, in
 * its own process: started, timed until `GET /healthz` answers `200`, stopped.
 */
import { fileURLToPath } from "node:url";
import { freePort, startChild, stopChild, waitUntilServing, type Child } from "./processes.ts";

/** The repository root (where `npm start` runs). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ShiftfeedOptions {
  dataDir: string;
  adminToken: string;
  /** A fixed secret keeps feed links the same across restarts and runs (≥ 32 bytes). */
  feedSecret: string;
  /** Where stdout and stderr go. */
  logFile: string;
  /** Default: a free port. */
  port?: number;
  /** More settings (`CACHE_MB`, …), passed as they are. */
  env?: Record<string, string>;
  /** Longest wait for `/healthz`, in seconds (default 600: a large data dir takes a while to load). */
  timeoutSeconds?: number;
}

export interface ShiftfeedServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  child: Child;
  /** Spawn → first `200` from `/healthz`, in seconds. */
  startupSeconds: number;
  stop(): Promise<void>;
}

/** Starts shiftfeed on 127.0.0.1 with `DEMO=0` and waits until it serves. */
export async function startShiftfeed(options: ShiftfeedOptions): Promise<ShiftfeedServer> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const since = performance.now();
  const child = startChild(process.execPath, ["src/node/main.ts"], {
    cwd: REPO_ROOT,
    logFile: options.logFile,
    env: {
      // As `npm start` runs it: few malloc arenas for a process of several threads (see docs/settings.md).
      MALLOC_ARENA_MAX: "2",
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: url,
      DATA_DIR: options.dataDir,
      DEMO: "0",
      ADMIN_TOKEN: options.adminToken,
      FEED_SECRET: options.feedSecret,
      ...options.env,
    },
  });
  try {
    const startupSeconds = await waitUntilServing(`${url}/healthz`, child, {
      since,
      timeoutSeconds: options.timeoutSeconds ?? 600,
    });
    return { url, child, startupSeconds, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
