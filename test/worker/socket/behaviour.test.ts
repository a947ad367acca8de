// The shared HTTP behaviour suite against the Worker in workerd over a real socket (the Node server runs the same
// suite in test/http/behaviour-node.test.ts).
import { BEHAVIOUR_MAX_SNAPSHOT_BYTES, describeHttpBehaviour } from "../../support/http-behaviour.ts";
import { startWorkerd } from "./workerd.ts";

describeHttpBehaviour("Workers (workerd)", () =>
  startWorkerd({}, { MAX_SNAPSHOT_BYTES: String(BEHAVIOUR_MAX_SNAPSHOT_BYTES) }),
);
