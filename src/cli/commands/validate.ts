/**
 * `shiftfeed validate <file>`: checks a snapshot file offline with the server's own rules (the same ingest code a
 * publish runs), listing every problem with its JSON path. Exit 0 when valid, 1 when not.
 */
import { readFile } from "node:fs/promises";
import { ingestSnapshot } from "../../core/snapshot/ingest.ts";
import { CliFailure, output, type GlobalOptions } from "../context.ts";

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

export async function validate(file: string, options: GlobalOptions): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new CliFailure(`cannot read ${file}: ${(error as Error).message}`);
  }
  const result = await ingestSnapshot(bytes, targetOf(bytes));
  if (result.ok) {
    const s = result.snapshot;
    output(
      options,
      { ok: true, file, org: s.organization.id, schedule: s.schedule.id, revision: s.revision },
      () =>
        `${file}: valid — ${s.organization.id}/${s.schedule.id} revision ${s.revision}, ${s.people.length} people, ` +
        `${s.shifts.length} shifts, ${s.assignments.length} assignments`,
    );
    return;
  }
  const { message, details } = result.error;
  output(options, { ok: false, file, message, problems: details }, () =>
    [`${file}: ${message}`, ...details.map((d) => `  ${d.path}: ${d.message}`)].join("\n"),
  );
  process.exitCode = 1;
}
