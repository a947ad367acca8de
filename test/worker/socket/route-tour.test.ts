// Every route over a real socket (test/support/route-tour.ts) against the Worker in workerd; the Node server takes
// the same tour in test/http/route-tour-node.test.ts. The Worker serves every route (docs/cloudflare.md › Node-only
// routes lists none), so none is left out.
import { describeRouteTour } from "../../support/route-tour.ts";
import { startWorkerd } from "./workerd.ts";

describeRouteTour("Workers (workerd)", () => startWorkerd());
