import { readFileSync, writeFileSync } from "node:fs";
import { createAdminClient } from "./bench/lib/admin-client.ts";
import { lookUpFeeds, peopleOfFixtures } from "./bench/lib/feed-list.ts";
import { REQUEST_KINDS } from "./bench/lib/request-kinds.ts";
import { runWrk, wrkScript, writePathList } from "./bench/lib/wrk.ts";
const url = "http://127.0.0.1:18900";
const pid = Number(process.argv[2]);
const rss = () =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024);
const admin = createAdminClient({ url, token: "bench-admin-token-0123456789abcdef" });
const people = peopleOfFixtures({ people: 5000, layout: "one-org", seed: 1, today: "2026-12-03" } as never);
const targets = await lookUpFeeds(admin, people);
writePathList("/tmp/paths.txt", targets);
writeFileSync("/tmp/wrk.lua", wrkScript());
console.log("targets", targets.length, "rss", rss());
for (const kind of REQUEST_KINDS) {
  let peak = 0;
  const t = setInterval(() => (peak = Math.max(peak, rss())), 500);
  const r = await runWrk(
    {
      url,
      pathFile: "/tmp/paths.txt",
      targets,
      kind,
      seconds: Number(process.argv[3] ?? 8),
      connections: 64,
      threads: 2,
    },
    "/tmp/wrk.lua",
  );
  clearInterval(t);
  console.log(
    kind.label,
    Math.round(r.perSecond),
    "req/s p99",
    r.p99ms.toFixed(1),
    "bad",
    r.badStatus,
    "rss peak",
    peak,
    "now",
    rss(),
  );
}
