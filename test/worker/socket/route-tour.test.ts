// Every route over a real socket (test/support/route-tour.ts) against the Worker in workerd; the Node server takes
// the same tour in test/http/route-tour-node.test.ts.
import { describeRouteTour } from "../../support/route-tour.ts";
import { startWorkerd } from "./workerd.ts";

describeRouteTour("Workers (workerd)", async () => ({
  ...(await startWorkerd()),
  // docs/cloudflare.md › Node-only routes.
  absent: [
    "POST /admin/partners",
    "GET /admin/partners",
    "DELETE /admin/partners/{id}",
    "GET /partner/orgs/{org}/schedules/{file}",
  ],
}));
