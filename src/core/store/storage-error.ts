/**
 * Storage failures said plainly. A backend (`src/node/store/`, `src/worker/store/`) classifies its engine's errors
 * into a few kinds an operator can act on — the disk is full, an I/O error, the data dir is read-only, the database is damaged, it is
 * busy — and whether the failure hit a statement (the transaction rolled back: nothing was saved) or the commit
 * itself (the outcome is unclear: it may have landed). The service answers `503` with `Retry-After` and this
 * message, and logs it; anything else a backend throws stays an `internal` error.
 */
import { ServiceError } from "../errors.ts";

/** What went wrong with the storage, as an operator would fix it. */
export type StorageFailure = "full" | "io" | "read_only" | "corrupt" | "busy" | "cannot_open";

/** Where it went wrong: a statement (or a read), or the commit of a transaction. */
export type StoragePhase = "statement" | "commit";

/** Seconds a client is asked to wait before retrying after a storage failure. */
export const STORAGE_RETRY_AFTER_S = 30;

const WHAT: Record<StorageFailure, string> = {
  full: "Storage is full (no space left on the disk of the data dir)",
  io: "Storage reported an I/O error",
  read_only: "Storage is read-only (the data dir or its file system cannot be written)",
  corrupt: "The database is damaged",
  busy: "Storage is busy (another writer held it too long)",
  cannot_open: "The database cannot be opened",
};

/**
 * The service error for a storage failure.
 * @param detail the engine's own words (`database or disk is full`), shown in parentheses.
 * @param inTransaction whether a statement failed inside a write transaction (which then rolled back).
 * @example storageError("full", "statement", "database or disk is full", true)
 */
export function storageError(
  kind: StorageFailure,
  phase: StoragePhase,
  detail: string,
  inTransaction: boolean,
): ServiceError {
  const outcome =
    phase === "commit"
      ? "It failed while committing, so the change may or may not have been saved: look it up, or send it again (a replay of the same revision changes nothing)"
      : inTransaction
        ? "The change was not saved (its transaction rolled back): send it again once storage is fixed"
        : "Nothing was changed";
  return new ServiceError(
    "unavailable",
    `${WHAT[kind]}; the database said: ${detail}. ${outcome}.`,
    [],
    { storage: kind },
    { "retry-after": String(STORAGE_RETRY_AFTER_S) },
  );
}
