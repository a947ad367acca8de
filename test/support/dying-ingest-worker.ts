/**
 * An ingest worker for pool tests that dies on request: a body targeting org `exit` ends the thread, org `throw`
 * throws an uncaught error; anything else is ingested like `src/node/ingest-worker.ts` does.
 */
import { parentPort } from "node:worker_threads";
import { ingestSnapshot } from "../../src/core/snapshot/ingest.ts";
import type { IngestJob, IngestReply } from "../../src/node/ingest-pool.ts";

parentPort?.on("message", (job: IngestJob) => {
  if (job.target.org === "exit") process.exit(3);
  if (job.target.org === "throw") throw new Error("worker blew up");
  void ingestSnapshot(job.bytes, job.target).then((result) =>
    parentPort?.postMessage({ result } satisfies IngestReply),
  );
});
