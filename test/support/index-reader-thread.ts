/**
 * A thread that reads the shared validator index, as a serving thread does: told the table and the commit
 * generation once, it answers each token hash with what the index says now (`undefined` sent as `"unknown"`).
 */
import { parentPort, workerData } from "node:worker_threads";
import { ValidatorIndexReader } from "../../src/node/validator-index.ts";

const { buffer, generation } = workerData as { buffer: SharedArrayBuffer; generation: SharedArrayBuffer };
const reader = new ValidatorIndexReader(buffer);
const commits = new Int32Array(generation);
parentPort!.on("message", (hash: string) => {
  const found = reader.find(hash, Atomics.load(commits, 0));
  parentPort!.postMessage(found === undefined ? "unknown" : found);
});
