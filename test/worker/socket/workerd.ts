/**
 * The Worker in workerd, listening on a real socket: wrangler's test harness (Miniflare) with wrangler.toml, the
 * test secrets and local R2 and Durable Object storage. Its front end behaves like Cloudflare's in the ways feeds
 * care about: the `Accept-Encoding` the Worker sees is rewritten to `br, gzip` (the client's own goes into
 * `request.cf.clientAcceptEncoding`), and a response is encoded for the wire by the runtime, so stored gzip sent
 * without `encodeBody: "manual"` would arrive compressed twice.
 */
import { createTestHarness, type TestHarness } from "wrangler";
import { ROOT } from "../../support/render-cases.ts";
import { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL } from "../../support/fixture.ts";

export interface WorkerdServer {
  /** Base URL on 127.0.0.1. */
  url: string;
  harness: TestHarness;
  close(): Promise<void>;
}

/**
 * Starts the Worker (secrets as given; default the test secrets) and resolves once it listens.
 * @param secrets `null` for a secret leaves it unset.
 * @param vars settings beside wrangler.toml's.
 * @param options `publicUrlIsOwn`: `PUBLIC_URL` names the Worker's own address once it listens (the Worker is
 * reloaded with it), so the links it hands out work from a browser.
 */
export async function startWorkerd(
  secrets: { ADMIN_TOKEN?: string | null; FEED_SECRET?: string | null } = {},
  vars: Record<string, string> = {},
  options: { publicUrlIsOwn?: boolean } = {},
): Promise<WorkerdServer> {
  const chosen = { ADMIN_TOKEN, FEED_SECRET, ...secrets };
  const worker = (publicUrl: string) => ({
    configPath: "./wrangler.toml",
    vars: { PUBLIC_URL: publicUrl, ...vars },
    secrets: Object.fromEntries(Object.entries(chosen).filter(([, v]) => v !== null)) as Record<
      string,
      string
    >,
  });
  const harness = createTestHarness({ root: ROOT, workers: [worker(PUBLIC_URL)] });
  let { url } = await harness.listen();
  if (options.publicUrlIsOwn) {
    await harness.update({ root: ROOT, workers: [worker(url.origin)] });
    ({ url } = await harness.listen());
  }
  return { url: url.origin, harness, close: () => harness.close() };
}
