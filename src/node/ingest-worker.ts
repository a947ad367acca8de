/**
 * The worker-thread side of the ingest pool (`ingest-pool.ts`): runs the core's `ingestSnapshot` on each body it
 * is sent, so parsing and validating a large or hostile body never blocks the thread that serves feeds.
 */
import { parentPort } from "node:worker_threads";
import { ingestSnapshot } from "../core/snapshot/ingest.ts";
import type { IngestJob, IngestReply } from "./ingest-pool.ts";

const port = parentPort;
if (port === null) throw new Error("ingest-worker.ts runs only as a worker thread");

port.on("message", (job: IngestJob) => {
  ingestSnapshot(job.bytes, job.target).then(
    (result) => port.postMessage({ result } satisfies IngestReply),
    (error: unknown) => port.postMessage({ error: String(error) } satisfies IngestReply),
  );
});
