/**
 * Answers requests Node's HTTP parser refuses before any route sees them — headers over the size limit (16 KiB
 * in all, `--max-http-header-size`), malformed requests, requests not received in time — with the service's JSON
 * error instead of Node's bare status line, and counts them.
 *
 * Node: "When the 'clientError' event occurs, there is no request or response object, so any HTTP response
 * sent, including response headers and payload, must be written directly to the socket object."
 * https://nodejs.org/api/http.html#event-clienterror
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

const ANSWERS: Record<number, { text: string; code: string; message: string }> = {
  400: { text: "Bad Request", code: "bad_request", message: "The request is not valid HTTP." },
  408: { text: "Request Timeout", code: "request_timeout", message: "The request was not received in time." },
  431: {
    text: "Request Header Fields Too Large",
    code: "bad_request",
    message: "The request's header fields are larger than the limit of 16 KiB in all.",
  },
};

/** How long an answered client error's socket may linger after the answer, in ms, before it is closed. */
const CLOSE_GRACE_MS = 500;

/** The status Node's parser error maps to (as Node's own handler does). */
function statusOf(code: string | undefined): number {
  if (code === "HPE_HEADER_OVERFLOW") return 431;
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return 408;
  return 400;
}

/** Installs the handler; `count` is told the status of every answered (or dropped) client error. */
export function answerClientErrors(server: Server, count: (status: number) => void): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const status = statusOf(error.code);
    const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
      ?.headersSent;
    if (error.code === "ECONNRESET" || !socket.writable || started) {
      socket.destroy();
      return;
    }
    count(status);
    const answer = ANSWERS[status]!;
    const body = JSON.stringify({ error: { code: answer.code, message: answer.message, details: [] } });
    socket.end(
      `HTTP/1.1 ${status} ${answer.text}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
    // `end` only half-closes: a client that never reads (a slowloris) would keep the socket open for good.
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  });
}
