/**
 * A lean HTTP/1.1 client for the load test: a request is one `write` of prepared bytes on a `node:net` socket and
 * the answer is framed by hand (status line, header fields, `Content-Length` or chunked body). On these 2 cores
 * the load generators share the CPU with the server; `node:http`'s client costs several times more per request
 * than the server's own answer, so with it the storm's clients would take the CPU the server is meant to be
 * measured on, and send their "simultaneous" bursts spread out over most of a second.
 */
import { connect, type Socket } from "node:net";

export interface RawAnswer {
  /** 0 when the connection failed or closed before a whole answer. */
  status: number;
  /** Header fields, names in lower case (the last value of a repeated field). */
  headers: Record<string, string>;
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** The bytes of a GET request. */
export function requestBytes(
  host: string,
  path: string,
  headers: Record<string, string>,
  close: boolean,
): Buffer {
  let text = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  if (close) text += "Connection: close\r\n";
  return Buffer.from(text + "\r\n", "latin1");
}

/**
 * Reads answers off one socket, in order: `next()` resolves with the next whole answer (status 0 if the socket
 * ends first). The body is counted, not kept. Bytes that do not frame as an answer, or an answer nobody asked for,
 * close the socket: a misread can never pass for a status.
 */
class AnswerReader {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: ((a: RawAnswer) => void)[] = [];
  #current: { answer: RawAnswer; left: number; chunked: boolean } | null = null;
  #ended = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
    const end = () => {
      this.#ended = true;
      for (const w of this.#waiting.splice(0)) w({ status: 0, headers: {} });
    };
    socket.on("close", end);
    socket.on("error", end);
  }

  next(): Promise<RawAnswer> {
    if (this.#ended) return Promise.resolve({ status: 0, headers: {} });
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #parse(): void {
    for (;;) {
      if (this.#current === null) {
        const end = this.#buffer.indexOf(CRLF2);
        if (end < 0) return;
        const lines = this.#buffer.subarray(0, end).toString("latin1").split("\r\n");
        this.#buffer = this.#buffer.subarray(end + 4);
        const status = /^HTTP\/1\.[01] ([1-5]\d\d)/.exec(lines[0]!)?.[1];
        if (status === undefined || this.#waiting.length === 0) return void this.#socket.destroy();
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(":");
          if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const chunked = /chunked/i.test(headers["transfer-encoding"] ?? "");
        const bodyless = status === "304" || status === "204";
        const left = bodyless || chunked ? 0 : Number(headers["content-length"] ?? 0);
        this.#current = { answer: { status: Number(status), headers }, left, chunked: chunked && !bodyless };
      }
      const c = this.#current;
      if (c.chunked) {
        // Chunks: size line, data, CRLF; a zero-size chunk and an empty trailer end the body.
        const line = this.#buffer.indexOf("\r\n");
        if (line < 0) return;
        const size = parseInt(this.#buffer.subarray(0, line).toString("latin1"), 16);
        const need = line + 2 + size + 2;
        if (this.#buffer.length < need) return;
        this.#buffer = this.#buffer.subarray(need);
        if (size > 0) continue;
        c.chunked = false;
      } else {
        const take = Math.min(c.left, this.#buffer.length);
        c.left -= take;
        this.#buffer = this.#buffer.subarray(take);
        if (c.left > 0) return;
      }
      this.#current = null;
      this.#waiting.shift()?.(c.answer);
    }
  }
}

/** One GET on a fresh connection (`Connection: close`), from `localAddress`; status 0 on failure or timeout. */
export function getOnce(
  port: number,
  request: Buffer,
  localAddress: string,
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  const socket = connect({ port, host: "127.0.0.1", localAddress });
  const reader = new AnswerReader(socket);
  socket.setTimeout(timeoutMs, () => socket.destroy());
  socket.write(request);
  return reader.next().finally(() => socket.destroy());
}

/** A kept-alive connection sending one request at a time; reopened when the server closes it. */
export class Lane {
  #socket: Socket | null = null;
  #reader: AnswerReader | null = null;
  readonly #port: number;
  readonly #localAddress: string;
  constructor(port: number, localAddress: string) {
    this.#port = port;
    this.#localAddress = localAddress;
  }

  async get(request: Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
    if (this.#socket === null || this.#socket.destroyed) {
      this.#socket = connect({ port: this.#port, host: "127.0.0.1", localAddress: this.#localAddress });
      this.#socket.on("error", () => undefined);
      this.#reader = new AnswerReader(this.#socket);
    }
    const socket = this.#socket;
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.write(request);
    const answer = await this.#reader!.next();
    clearTimeout(timer);
    if (answer.status === 0 || answer.headers.connection?.toLowerCase() === "close") socket.destroy();
    return answer;
  }

  close(): void {
    this.#socket?.destroy();
  }
}
