/**
 * `shiftfeed stats`: feed traffic from the server's lasting telemetry — per recent window the requests, the share
 * answered `304`, `429`/`503` counts, and the busiest clients of the last 5 minutes (who is hammering right now).
 */
import { adminApi, output, type GlobalOptions } from "../context.ts";
import { terminalLine as safe } from "../terminal-text.ts";

interface Traffic {
  windows: {
    minutes: number;
    requests: number;
    notModifiedShare: number;
    tooManyRequests: number;
    unavailable: number;
    top: { org: string | null; feed: string | null; client: string; userAgent: string; requests: number }[];
  }[];
}

const label = (minutes: number) =>
  minutes < 60 ? `last ${minutes} min` : minutes === 60 ? "last hour" : "last 24 h";

export async function stats(options: GlobalOptions): Promise<void> {
  const { call } = adminApi(options);
  const traffic = await call<Traffic>("GET", "/admin/traffic");
  output(options, traffic, () => {
    const rows = traffic.windows.map(
      (w) =>
        `${label(w.minutes).padEnd(12)} ${String(w.requests).padStart(9)} requests  ` +
        `${(w.notModifiedShare * 100).toFixed(1).padStart(5)} % 304  ${w.tooManyRequests} × 429  ${w.unavailable} × 503`,
    );
    const top = traffic.windows[0]?.top ?? [];
    return [
      ...rows,
      "",
      "busiest clients, last 5 min:",
      ...(top.length === 0
        ? ["  (none)"]
        : top.map(
            (c) =>
              `  ${String(c.requests).padStart(7)}  ${c.feed === null ? "(no feed)" : safe(`${c.org}/${c.feed}`)}  ` +
              `${safe(String(c.client))}  ${safe(String(c.userAgent))}`,
          )),
    ].join("\n");
  });
}
