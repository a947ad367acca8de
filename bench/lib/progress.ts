/**
 * Progress lines on stderr: rewritten in place on a terminal, at most every few seconds otherwise (CI logs).
 */

/** A throttled progress printer; `done()` ends the line. */
export interface Progress {
  update(text: string, force?: boolean): void;
  done(text?: string): void;
}

/** Prints `label: text` at most every 250 ms on a TTY, every 5 s elsewhere. */
export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  const every = tty ? 250 : 5000;
  let last = 0;
  let pending = "";
  const write = (text: string) => stream.write(tty ? `\r\x1b[K${label}: ${text}` : `${label}: ${text}\n`);
  return {
    update(text, force = false) {
      pending = text;
      const now = performance.now();
      if (force || now - last >= every) {
        last = now;
        write(text);
        pending = "";
      }
    },
    done(text) {
      if (text !== undefined || pending) write(text ?? pending);
      if (tty) stream.write("\n");
    },
  };
}
