/**
 * `npm run typecheck`: the three type checks at once — the Node program (`tsconfig.json`), the runtime-neutral
 * core and HTTP layer against no runtime's types (`tsconfig.neutral.json`), and the Worker against the Workers
 * runtime's (`tsconfig.worker.json`). Run one after another they took about 23 s on 2 cores; together about 18 s.
 * Each one's output is printed whole when it ends; the exit code is 1 when any failed.
 */
import { spawn } from "node:child_process";

const CONFIGS = ["tsconfig.json", "tsconfig.neutral.json", "tsconfig.worker.json"];

const run = (config: string) =>
  new Promise<boolean>((resolve) => {
    const child = spawn("tsc", ["-p", config], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (error) => {
      process.stderr.write(`tsc -p ${config}: ${error.message}\n`);
      resolve(false);
    });
    child.on("close", (code) => {
      if (code !== 0) process.stderr.write(`tsc -p ${config} failed:\n${output}`);
      resolve(code === 0);
    });
  });

const results = await Promise.all(CONFIGS.map(run));
process.exitCode = results.every(Boolean) ? 0 : 1;
