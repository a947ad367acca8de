/**
 * A reason the Node service cannot start that an operator can act on: printed as one line, no stack trace.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/**
 * The one line to print for any error that stopped the start: a {@link StartupError}'s own message, a known
 * listen failure in plain words, else the error's first line.
 */
export function startupMessage(error: unknown, listen: { port: number; host: string }): string {
  if (error instanceof StartupError) return error.message;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `${listen.host}:${listen.port}`;
  if (code === "EADDRINUSE") {
    return `PORT ${listen.port} is already in use on ${listen.host} by another process; stop it or set PORT to a free port`;
  }
  if (code === "EADDRNOTAVAIL") {
    return `HOST ${listen.host} is not an address of this machine (cannot listen on ${where}); set HOST to one of its addresses or 0.0.0.0`;
  }
  if (code === "EACCES" && listen.port < 1024) {
    return `PORT ${listen.port} needs privileges to listen on (${where}); use a port from 1024 up`;
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `HOST ${listen.host} does not resolve to an address of this machine; set HOST to an IP address`;
  }
  const text = error instanceof Error ? error.message : String(error);
  return `could not start: ${text.split("\n")[0]}`;
}
