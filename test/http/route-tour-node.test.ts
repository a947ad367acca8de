// Every route over a real socket (test/support/route-tour.ts) against the Node server; the Worker in workerd takes
// the same tour in test/worker/socket/route-tour.test.ts.
import { describeRouteTour } from "../support/route-tour.ts";
import { startHarness } from "../support/server.ts";

describeRouteTour("Node", async () => {
  const harness = await startHarness();
  return { url: harness.url, close: () => harness.close() };
});
