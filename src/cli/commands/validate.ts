/**
 * `shiftfeed validate <file>`: checks a snapshot file offline with the server's own rules (the same ingest code a
 * publish runs), listing every problem with its JSON path. Exit 0 when valid, 1 when not. A file over the server's
 * size limit (`MAX_SNAPSHOT_BYTES`, read from the environment as `npm start` reads it) is refused as the server
 * refuses it with `413`, in the same words, without being read; a device, FIFO or socket is refused as not a
 * regular file, unread.
 */
import { parseConfig } from "../../core/config.ts";
import { ingestSnapshot } from "../../core/snapshot/ingest.ts";
import { bodyTooLarge } from "../../http/read-body.ts";
import { readBounded } from "../../node/bounded-read.ts";
import { CliFailure, output, UsageError, type GlobalOptions } from "../context.ts";
import { terminalLine as safe } from "../terminal-text.ts";

/** The ids the body names (the publish URL would name them), so only the body itself is judged. */
function targetOf(bytes: Uint8Array): { org: string; schedule: string } {
  try {
    const head = JSON.parse(new TextDecoder().decode(bytes)) as {
      organization?: { id?: unknown };
      schedule?: { id?: unknown };
    };
    const org = head.organization?.id;
    const schedule = head.schedule?.id;
    return {
      org: typeof org === "string" ? org : "",
      schedule: typeof schedule === "string" ? schedule : "",
    };
  } catch {
    return { org: "", schedule: "" };
  }
}

/** The server's snapshot size limit: `MAX_SNAPSHOT_BYTES` from the environment, checked by the server's own rule. */
export function snapshotLimit(env = process.env): number {
  try {
    return parseConfig({ MAX_SNAPSHOT_BYTES: env["MAX_SNAPSHOT_BYTES"] }).maxSnapshotBytes;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function validate(file: string, options: GlobalOptions): Promise<void> {
  const limit = snapshotLimit();
  let read;
  try {
    read = await readBounded(file, limit);
  } catch (error) {
    throw new CliFailure(`cannot read ${safe(file)}: ${safe((error as Error).message)}`);
  }
  if (read.kind === "not-regular") throw new CliFailure(`${safe(file)} ${read.problem}`);
  if (read.kind === "too-large") {
    const size = read.size;
    const { code, message } = bodyTooLarge(limit);
    output(options, { ok: false, file, code, message, bytes: size, limit, problems: [] }, () =>
      [
        `${safe(file)}: ${message}`,
        `  the file has ${size} bytes: a server with MAX_SNAPSHOT_BYTES=${limit} refuses it with 413 ` +
          "(set MAX_SNAPSHOT_BYTES here as the server has it)",
      ].join("\n"),
    );
    process.exitCode = 1;
    return;
  }
  const bytes = read.bytes;
  const result = await ingestSnapshot(bytes, targetOf(bytes));
  if (result.ok) {
    const s = result.snapshot;
    output(
      options,
      { ok: true, file, org: s.organization.id, schedule: s.schedule.id, revision: s.revision },
      () =>
        `${safe(file)}: valid — ${s.organization.id}/${s.schedule.id} revision ${s.revision}, ${s.people.length} people, ` +
        `${s.shifts.length} shifts, ${s.assignments.length} assignments`,
    );
    return;
  }
  const { message, details } = result.error;
  output(options, { ok: false, file, message, problems: details }, () =>
    [`${safe(file)}: ${safe(message)}`, ...details.map((d) => `  ${safe(d.path)}: ${safe(d.message)}`)].join(
      "\n",
    ),
  );
  process.exitCode = 1;
}
