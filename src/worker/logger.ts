/**
 * Log lines of the Worker and its Durable Objects: one JSON object per line on the console, which Workers Logs
 * keeps (`[observability]` in wrangler.toml). Fields never carry raw tokens (see `core/logger.ts`).
 */
import type { Logger } from "../core/logger.ts";

const line =
  (level: "info" | "warn" | "error"): Logger["info"] =>
  (event, fields) =>
    console[level === "info" ? "log" : level](JSON.stringify({ level, event, ...fields }));

export const workerLogger: Logger = { info: line("info"), warn: line("warn"), error: line("error") };
