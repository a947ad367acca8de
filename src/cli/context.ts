/**
 * What every CLI command shares: where the server is and the admin token (flags, then environment, then the data
 * dir `npm start` wrote it to), an admin API client whose failures become messages that say what to do, output as
 * text or `--json`, and the exit codes scripts rely on: 0 ok, 1 failed, 2 usage.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AdminError, createAdminClient, type AdminClient } from "../../bench/lib/admin-client.ts";
import { UsageError } from "../../bench/lib/cli.ts";

export { UsageError };

/** A command that ran and failed (exit code 1), with a message that says what to do. */
export class CliFailure extends Error {}

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
      `--url (or SHIFTFEED_URL) must be an http(s) URL such as http://localhost:8787, got "${url}"`,
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

/** The server's own words for a refused call, plus what to do about it. */
function explain(error: AdminError, url: string): string {
  let message = error.body.slice(0, 300);
  let details = "";
  try {
    const body = JSON.parse(error.body) as {
      error?: { message?: string; details?: { path: string; message: string }[] };
    };
    message = body.error?.message ?? message;
    details = (body.error?.details ?? [])
      .slice(0, 20)
      .map((d) => `\n  ${d.path}: ${d.message}`)
      .join("");
  } catch {
    // not JSON: the raw text is the message
  }
  if (error.status === 401)
    return `${url} refused the admin token: pass the right one with --token or SHIFTFEED_ADMIN_TOKEN`;
  return `HTTP ${error.status}: ${message}${details}`;
}

/** Admin API calls for a command; network and HTTP failures become {@link CliFailure}s that say what to do. */
export function adminApi(options: GlobalOptions): {
  url: string;
  call: <T>(method: string, path: string, body?: unknown) => Promise<T>;
  /** Sends bytes as they are (a snapshot file), answering the parsed JSON. */
  send: <T>(method: string, path: string, bytes: Uint8Array<ArrayBuffer>) => Promise<T>;
  token: string;
} {
  const url = serverUrl(options);
  const token = adminToken(options);
  const client: AdminClient = createAdminClient({ url, token, maxRetries: 3, maxWaitSeconds: 30 });
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
  return new CliFailure(
    `cannot reach ${url} (${(error as Error).message}): is shiftfeed running? Start it with \`npm start\`, ` +
      "or point --url (or SHIFTFEED_URL) at it",
  );
}

/** Prints `value` as JSON (`--json`) or the text `human` gives. */
export function output(options: GlobalOptions, value: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** A path segment of the admin API. */
export const seg = encodeURIComponent;
