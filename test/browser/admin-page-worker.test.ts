// The admin page suite (test/support/admin-page-suite.ts) in Chromium against the Worker in workerd over a real
// socket, `PUBLIC_URL` naming it. The Worker runs on the real clock, so the shifts are dated from today.
import { describeAdminPage } from "../support/admin-page-suite.ts";
import { ADMIN_TOKEN, DAY_MS, makeSnapshot } from "../support/fixture.ts";
import { raw } from "../support/server.ts";
import { startWorkerd } from "../worker/socket/workerd.ts";

const dateIn = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

describeAdminPage("the Worker", async () => {
  const worker = await startWorkerd({}, {}, { publicUrlIsOwn: true });
  const snapshot = makeSnapshot({
    publishedAt: new Date(Date.now() - 60_000).toISOString(),
    assignments: [
      { id: "a1", personId: "pA", shiftId: "day", date: dateIn(2) },
      { id: "a2", personId: "pB", shiftId: "night", date: dateIn(3) },
      { id: "a3", personId: "pA", shiftId: "vac", date: dateIn(20), endDate: dateIn(22) },
    ],
  });
  const published = await raw("PUT", `${worker.url}/admin/orgs/acme/schedules/icu`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(snapshot),
  });
  if (published.status !== 200) throw new Error(`publish answered ${published.status}: ${published.text}`);
  return {
    base: worker.url,
    upcoming: [/, 07:00–19:00 ICU Day · North Tower$/, / Vacation$/],
    close: () => worker.close(),
  };
});
