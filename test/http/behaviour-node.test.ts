// The shared HTTP behaviour suite against the Node server (test/support/http-behaviour.ts); the Worker in workerd
// runs the same suite in test/worker/socket/behaviour.test.ts.
import { BEHAVIOUR_MAX_SNAPSHOT_BYTES, describeHttpBehaviour } from "../support/http-behaviour.ts";
import { startHarness } from "../support/server.ts";

describeHttpBehaviour("Node", async () => {
  const harness = await startHarness({ env: { MAX_SNAPSHOT_BYTES: String(BEHAVIOUR_MAX_SNAPSHOT_BYTES) } });
  return { url: harness.url, close: () => harness.close() };
});
