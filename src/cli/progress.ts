/**
 * Progress bars on stderr (cli-progress): counts, percentage and an ETA estimated from the rate so far. On a
 * terminal the bar redraws in place; elsewhere (a pipe, a CI log) it prints a line every few seconds, so a long
 * job still shows it is moving. Never with `--json`, whose stdout is for scripts.
 */
import { SingleBar } from "cli-progress";
import { terminalLine } from "./terminal-text.ts";

export interface Progress {
  update(done: number, total: number, state: string): void;
  /** Prints one line above the bar (on a terminal the bar's line is cleared first and redrawn after). */
  note(line: string): void;
  stop(): void;
}

/** A bar of `unit`s (e.g. "feeds"), or a silent one when `quiet`. */
export function progressBar(
  unit: string,
  quiet: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (quiet) return { update() {}, note() {}, stop() {} };
  const bar = new SingleBar({
    stream,
    format: `{bar} {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted} | {state}`,
    barCompleteChar: "█",
    barIncompleteChar: "░",
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 2000,
    etaBuffer: 20,
  });
  let started = false;
  return {
    update(done, total, untrusted) {
      const state = terminalLine(untrusted);
      if (!started) {
        bar.start(total, done, { state });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { state });
      }
    },
    note(untrusted) {
      stream.write(`${stream.isTTY && started ? "\r\u001b[2K" : ""}${terminalLine(untrusted)}\n`);
      if (started && stream.isTTY) bar.render();
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
