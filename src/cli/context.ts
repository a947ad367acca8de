/**
 * What every CLI command shares: where the server is and the admin token (flags, then environment, then the data
 * dir `npm start` wrote it to), an admin API client whose failures become messages that say what to do, output as
 * text or `--json`, and the exit codes scripts rely on: 0 ok, 1 failed, 2 usage. Everything printed goes through
 * `terminal-text.ts`, so no control character from data or the network reaches the terminal.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AdminError, createAdminClient, type AdminClient, type AdminClientOptions } from "./admin-client.ts";
import { UsageError } from "./options.ts";
import { terminalJson, terminalLine, terminalText } from "./terminal-text.ts";

export { UsageError };

/** A command that ran and failed (exit code 1), with a message that says what to do. */
export class CliFailure extends Error {}

/** No answer from the server (refused connection, reset, DNS): `reason` is what the network said. */
export class Unreachable extends CliFailure {
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(message);
    this.reason = reason;
  }
}

/** The global options (`--url`, `--token`, `--json`). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** The server's base URL: `--url`, else `SHIFTFEED_URL`, else `http://localhost:8787`. */
export function serverUrl(options: GlobalOptions, env = process.env): string {
  const url = options.url ?? env["SHIFTFEED_URL"] ?? "http://localhost:8787";
  if (!/^https?:\/\/[^/\s]+/.test(url)) {
    throw new UsageError(
      `--url (or SHIFTFEED_URL) must be an http(s) URL such as http://localhost:8787, got "${terminalLine(url)}"`,
    );
  }
  return url.replace(/\/+$/, "");
}

/**
 * The admin token: `--token`, else `SHIFTFEED_ADMIN_TOKEN`, else the file `npm start` keeps it in
 * (`$DATA_DIR/secrets/admin-token`, `DATA_DIR` defaulting to `./data`).
 */
export function adminToken(options: GlobalOptions, env = process.env): string {
  const given = options.token ?? env["SHIFTFEED_ADMIN_TOKEN"];
  if (given) return given;
  const file = join(env["DATA_DIR"] ?? "data", "secrets", "admin-token");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  throw new UsageError(
    "no admin token: pass --token or set SHIFTFEED_ADMIN_TOKEN (npm start prints it once and keeps it in " +
      "DATA_DIR/secrets/admin-token)",
  );
}

/** A refused call's body: the server's message and details (`path: message`), each made safe for a terminal. */
function serverWords(body: string): { message: string; details: string[] } {
  try {
    const json = JSON.parse(body) as {
      error?: { message?: unknown; details?: { path?: unknown; message?: unknown }[] };
    };
    const message = json.error?.message;
    const details = Array.isArray(json.error?.details) ? json.error.details : [];
    if (typeof message === "string")
      return {
        message: terminalLine(message),
        details: details.map((d) => terminalLine(`${String(d?.path)}: ${String(d?.message)}`)),
      };
  } catch {
    // not JSON: the raw text is the message
  }
  return { message: terminalLine(body.slice(0, 300)), details: [] };
}

/**
 * A refused call on one line: `HTTP 409: <the server's message> (<first details>; … and N more)`, safe for a
 * terminal.
 */
export function serverProblem(status: number, body: string): string {
  const { message, details } = serverWords(body);
  const more = details.length > 3 ? `; … and ${details.length - 3} more` : "";
  return `HTTP ${status}: ${message}${details.length ? ` (${details.slice(0, 3).join("; ")}${more})` : ""}`;
}

/** The server's own words for a refused call, plus what to do about it. */
function explain(error: AdminError, url: string): string {
  if (error.status === 401)
    return `${url} refused the admin token: pass the right one with --token or SHIFTFEED_ADMIN_TOKEN`;
  const { message, details } = serverWords(error.body);
  return `HTTP ${error.status}: ${message}${details
    .slice(0, 20)
    .map((d) => `\n  ${d}`)
    .join("")}`;
}

/** Admin API calls for a command; network and HTTP failures become {@link CliFailure}s that say what to do. */
export function adminApi(
  options: GlobalOptions,
  retries: Pick<AdminClientOptions, "maxRetrySeconds" | "onRetry"> = {},
): {
  url: string;
  call: <T>(method: string, path: string, body?: unknown) => Promise<T>;
  /** Sends bytes as they are (a snapshot file), answering the parsed JSON. */
  send: <T>(method: string, path: string, bytes: Uint8Array<ArrayBuffer>) => Promise<T>;
  token: string;
} {
  const url = serverUrl(options);
  const token = adminToken(options);
  const client: AdminClient = createAdminClient({
    url,
    token,
    maxRetries: 3,
    maxWaitSeconds: 30,
    ...retries,
  });
  const json = async <T>(
    method: string,
    path: string,
    body?: Uint8Array<ArrayBuffer> | string,
  ): Promise<T> => {
    try {
      return await client.json<T>(method, path, body);
    } catch (error) {
      throw failure(error, url);
    }
  };
  return {
    url,
    token,
    call: (method, path, body) => json(method, path, body === undefined ? undefined : JSON.stringify(body)),
    send: (method, path, bytes) => json(method, path, bytes),
  };
}

/** A thrown error as a CLI failure: unreachable servers and refusals explained. */
export function failure(error: unknown, url: string): Error {
  if (error instanceof UsageError || error instanceof CliFailure) return error;
  if (error instanceof AdminError) return new CliFailure(explain(error, url));
  const reason = terminalLine((error as Error).message);
  return new Unreachable(
    `cannot reach ${url} (${reason}): is shiftfeed running? Start it with \`npm start\`, or point --url (or ` +
      "SHIFTFEED_URL) at it",
    reason,
  );
}

/**
 * Prints `value` as JSON (`--json`) or the text `human` gives, either made safe for a terminal (the text keeps
 * its own lines and columns). `drawn` is appended as it is: a drawing the CLI made itself (the QR code's colours).
 */
export function output(options: GlobalOptions, value: unknown, human: () => string, drawn = ""): void {
  process.stdout.write(
    options.json ? `${terminalJson(value)}\n` : `${terminalText(human(), { layout: true })}\n${drawn}`,
  );
}

/** A path segment of the admin API. */
export const seg = encodeURIComponent;
