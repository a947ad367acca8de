/**
 * `GET /healthz` on Workers: unauthenticated, so anyone can call it as often as they like, and it must not turn
 * into storage operations that are paid per call. Its one storage check — listing the organization registry in
 * R2 (a Class A operation per page) — runs at most once per {@link HEALTH_CHECK_TTL_MS} per isolate; every other
 * call answers the result of that check, with the time it was made (`checkedAt`). Calls that arrive while a
 * check runs wait for that same check.
 */
import { listOrgs } from "./org-registry.ts";

/** How long one R2 check answers `/healthz` in an isolate. */
export const HEALTH_CHECK_TTL_MS = 60_000;

/** What `/healthz` answers: whether R2 answered, how many organizations it lists, and when it was asked. */
export interface EdgeHealth {
  ok: boolean;
  /** Registered organizations, or `null` when R2 failed. */
  orgs: number | null;
  /** When R2 was last asked (ISO 8601). */
  checkedAt: string;
}

/**
 * A cached health check of an R2 bucket.
 * @param onCheck called once per real R2 check (the Worker counts them in `/metrics`).
 */
export function createHealthCheck(
  bucket: R2Bucket,
  clock: () => number,
  onCheck: () => void = () => undefined,
): () => Promise<EdgeHealth> {
  let last: { at: number; health: Promise<EdgeHealth> } | null = null;
  return () => {
    const now = clock();
    if (last !== null && now - last.at < HEALTH_CHECK_TTL_MS) return last.health;
    onCheck();
    const checkedAt = new Date(now).toISOString();
    const health = listOrgs(bucket).then(
      (orgs): EdgeHealth => ({ ok: true, orgs: orgs.length, checkedAt }),
      (): EdgeHealth => ({ ok: false, orgs: null, checkedAt }),
    );
    last = { at: now, health };
    return health;
  };
}
