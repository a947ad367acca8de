/**
 * Settings, validated once at the boundary from a flat string map (the process environment on Node,
 * the Worker's vars on Cloudflare). Each problem names its variable.
 */
import { z } from "zod";
import { parseRange, tooWideForFetcher, WIDEST_FETCHER_PREFIX } from "./limits/address-ranges.ts";
import { DEFAULT_LIMITS, perHour, type LimitSettings } from "./limits/settings.ts";
import { SHARED_FETCHER_RANGES } from "./limits/shared-fetchers.ts";

/** The CIDR ranges of a comma-separated list, the first entry that is not one, and the first that is too wide. */
function rangeList(v: string): { ranges: string[]; bad: string | null; wide: string | null } {
  const ranges = v
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r !== "");
  const wide = ranges.find((r) => {
    const range = parseRange(r);
    return range !== null && tooWideForFetcher(range);
  });
  return { ranges, bad: ranges.find((r) => parseRange(r) === null) ?? null, wide: wide ?? null };
}

/** Why a `SHARED_FETCHER_RANGES` value is refused (one line naming it). */
function sharedRangesProblem(v: string): string {
  const { bad, wide } = rangeList(v);
  if (bad === null && wide !== null) {
    const { ipv4, ipv6 } = WIDEST_FETCHER_PREFIX;
    return `\`SHARED_FETCHER_RANGES\`: "${wide.slice(0, 80)}" is wider than any shared fetcher's range (at most an IPv4 /${ipv4} or an IPv6 /${ipv6}); it would give every client in it a shared fetcher's budgets`;
  }
  return `\`SHARED_FETCHER_RANGES\` must be address ranges separated by commas, such as 192.0.2.0/24, 2001:db8::/32; "${(bad ?? v).slice(0, 80)}" is not one`;
}

const int = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: "custom",
          message: `\`${name}\` must be a whole number from ${min} to ${max}, got "${v}"`,
        });
        return z.NEVER;
      }
      return n;
    });

/** Default largest snapshot body, in bytes (64 MiB). */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;
/** Shortest accepted `ADMIN_TOKEN`, in characters (a generated one has 43). */
export const MIN_ADMIN_TOKEN_LENGTH = 24;
/** Shortest accepted `FEED_SECRET`, in UTF-8 bytes (the HMAC key; see `tokens.ts`). */
export const MIN_FEED_SECRET_BYTES = 32;

// RFC 6750 §2.1 b64token: the only characters a bearer credential can carry, so any other could never sign in.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An IPv4 or IPv6 address or a host name (a dotted all-numeric name must be a real IPv4 address). */
function isHost(v: string): boolean {
  if (/^[\d.]+$/.test(v)) return IPV4.test(v);
  return IPV6.test(v) || HOSTNAME.test(v);
}

const optionalString = (check: (v: string) => boolean, message: (v: string) => string) =>
  z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v !== undefined && v !== "" && !check(v)) ctx.addIssue({ code: "custom", message: message(v) });
    });

const schema = z.object({
  PORT: int("PORT", 0, 65535, 8787),
  HOST: optionalString(
    isHost,
    (v) =>
      `\`HOST\` must be an IP address or host name of this machine such as 0.0.0.0 or 127.0.0.1, got "${v.slice(0, 80)}"`,
  ),
  DATA_DIR: z.string().optional(),
  ADMIN_TOKEN: optionalString(
    (v) => v.length >= MIN_ADMIN_TOKEN_LENGTH && TOKEN68.test(v),
    (v) =>
      v.length < MIN_ADMIN_TOKEN_LENGTH
        ? `\`ADMIN_TOKEN\` must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters, got ${v.length} (unset it to have one generated)`
        : "`ADMIN_TOKEN` may only use A-Z a-z 0-9 - . _ ~ + / (and trailing =), the characters of a bearer token",
  ),
  FEED_SECRET: optionalString(
    (v) => new TextEncoder().encode(v).length >= MIN_FEED_SECRET_BYTES,
    (v) =>
      `\`FEED_SECRET\` must be at least ${MIN_FEED_SECRET_BYTES} bytes, got ${new TextEncoder().encode(v).length} (unset it to have one generated)`,
  ),
  ROTATE_FEED_SECRET: z
    .enum(["0", "1", "false", "true", ""], { message: "`ROTATE_FEED_SECRET` must be 1 or 0" })
    .optional(),
  PUBLIC_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(v), {
      message: "`PUBLIC_URL` must be an http(s) URL such as https://feeds.example.org",
    }),
  FEED_PAST_DAYS: int("FEED_PAST_DAYS", 0, 3660, 14),
  FEED_FUTURE_DAYS: int("FEED_FUTURE_DAYS", 1, 3660, 300),
  REFRESH_INTERVAL_MINUTES: int("REFRESH_INTERVAL_MINUTES", 5, 10080, 60),
  // 64 MiB: a snapshot at the count limits (100,000 people, 500,000 assignments) with ordinary ids fits.
  MAX_SNAPSHOT_BYTES: int("MAX_SNAPSHOT_BYTES", 1024, 1024 * 1024 * 1024, DEFAULT_MAX_SNAPSHOT_BYTES),
  CACHE_MB: int("CACHE_MB", 1, 65536, 64),
  INLINE_DECOMPRESS_KIB: int("INLINE_DECOMPRESS_KIB", 0, 65536, 1024),
  SERVE_THREADS: int("SERVE_THREADS", 0, 256, -1),
  RENDER_THREADS: int("RENDER_THREADS", 0, 256, -1),
  DEMO: z.enum(["0", "1", "false", "true", ""]).optional(),
  TZDATA_RECHECK: z.enum(["0", "1", "false", "true", ""]).optional(),
  TZDIR: optionalString(
    (v) => v.startsWith("/"),
    () => "`TZDIR` must be an absolute path to a compiled zoneinfo directory",
  ),
  // Protection (docs/limits.md); defaults from `DEFAULT_LIMITS`.
  CLIENT_LIMITS: z.enum(["on", "off", ""], { message: "`CLIENT_LIMITS` must be on or off" }).optional(),
  CLIENT_IP_HEADER: optionalString(
    (v) => /^[A-Za-z0-9-]{1,64}$/.test(v),
    () => "`CLIENT_IP_HEADER` must be a header name such as X-Forwarded-For",
  ),
  LIMIT_TOKEN_BURST: int("LIMIT_TOKEN_BURST", 1, 1_000_000, DEFAULT_LIMITS.token.burst),
  LIMIT_TOKEN_PER_HOUR: int("LIMIT_TOKEN_PER_HOUR", 1, 100_000_000, 2400),
  LIMIT_ADDRESS_BURST: int("LIMIT_ADDRESS_BURST", 1, 100_000_000, DEFAULT_LIMITS.address.burst),
  LIMIT_ADDRESS_PER_SECOND: int("LIMIT_ADDRESS_PER_SECOND", 1, 1_000_000, DEFAULT_LIMITS.address.perSecond),
  LIMIT_MISS_BURST: int("LIMIT_MISS_BURST", 1, 1_000_000, DEFAULT_LIMITS.misses.burst),
  LIMIT_MISS_PER_HOUR: int("LIMIT_MISS_PER_HOUR", 1, 100_000_000, 360),
  SHARED_FETCHER_RANGES: optionalString(
    (v) => v.length <= 10_000 && rangeList(v).bad === null && rangeList(v).wide === null,
    sharedRangesProblem,
  ),
  SHARED_FETCHER_BUILTIN: z
    .enum(["on", "off", ""], { message: "`SHARED_FETCHER_BUILTIN` must be on or off" })
    .optional(),
  LIMIT_SHARED_FETCHER_FACTOR: int(
    "LIMIT_SHARED_FETCHER_FACTOR",
    1,
    10_000,
    DEFAULT_LIMITS.sharedFetcherFactor,
  ),
  PARTNER_BURST: int("PARTNER_BURST", 1, 1_000_000, DEFAULT_LIMITS.partner.burst),
  PARTNER_PER_HOUR: int("PARTNER_PER_HOUR", 1, 100_000_000, 3600),
  MAX_INFLIGHT: int("MAX_INFLIGHT", 2, 100_000, DEFAULT_LIMITS.maxInflight),
  ADMIN_RESERVED: int("ADMIN_RESERVED", 1, 100_000, DEFAULT_LIMITS.adminReserved),
  STANDARD_SHARE_PERCENT: int("STANDARD_SHARE_PERCENT", 1, 100, DEFAULT_LIMITS.standardSharePercent),
  MAX_CONNECTIONS: int("MAX_CONNECTIONS", 16, 1_000_000, 4096),
  MAX_CONNECTIONS_PER_ADDRESS: int("MAX_CONNECTIONS_PER_ADDRESS", 1, 1_000_000, 256),
  MAX_PRE_REQUEST_PER_ADDRESS: int("MAX_PRE_REQUEST_PER_ADDRESS", 1, 1_000_000, 64),
  FIRST_BYTE_TIMEOUT_SECONDS: int("FIRST_BYTE_TIMEOUT_SECONDS", 1, 600, 5),
  HEADERS_TIMEOUT_SECONDS: int("HEADERS_TIMEOUT_SECONDS", 1, 600, 10),
  REQUEST_TIMEOUT_SECONDS: int("REQUEST_TIMEOUT_SECONDS", 1, 3600, 30),
  KEEP_ALIVE_TIMEOUT_SECONDS: int("KEEP_ALIVE_TIMEOUT_SECONDS", 1, 600, 5),
});

/** The service's settings, typed. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  adminToken: string | null;
  feedSecret: string | null;
  /** Adopt a feed secret that does not match the data, deriving every link again (`ROTATE_FEED_SECRET=1`). */
  rotateFeedSecret: boolean;
  publicUrl: string;
  pastDays: number;
  futureDays: number;
  refreshSeconds: number;
  maxSnapshotBytes: number;
  cacheBytes: number;
  /** Identity bodies up to this size (uncompressed) are decompressed inline on the serving thread. */
  inlineDecompressBytes: number;
  demo: boolean;
  /** Threads that listen and serve feeds (0: the main thread serves); `null`: one per CPU. */
  serveThreads: number | null;
  /** Threads that parse, render and commit publishes (0: in the main thread); `null`: one per CPU. */
  renderThreads: number | null;
  /** Compare every zone's rules at start even when the tz data version is the one feeds were rendered with. */
  tzdataRecheck: boolean;
  /** The host's compiled zoneinfo (`TZDIR`), used when its tz release is newer than the runtime's; `null`: default. */
  tzdir: string | null;
  /** Per-client limits (`CLIENT_LIMITS=off` turns the per-token, per-address and miss budgets off). */
  clientLimits: boolean;
  /** The lower-case header a trusted proxy names the client in, or `null`: the socket peer is the client. */
  clientIpHeader: string | null;
  limits: LimitSettings;
  connections: ConnectionSettings;
}

/** Bounds on connections and how long a client may take (slow and broken clients). */
export interface ConnectionSettings {
  /** Open connections per process (all serving threads). */
  maxConnections: number;
  /** Open connections per client address. */
  maxPerAddress: number;
  /** Connections per client address that have not yet sent a whole request. */
  maxPreRequestPerAddress: number;
  /** Longest wait for the first byte of a new connection (ms). */
  firstByteTimeoutMs: number;
  /** Longest wait for a request's headers, for a whole request, and between requests on an idle socket (ms). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * Parses settings from an environment map. Messages name the variable but never echo a secret's value.
 * @throws Error listing every bad variable, one per line.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = schema.safeParse(env);
  if (!result.success) throw new Error(result.error.issues.map((i) => i.message).join("\n"));
  const e = result.data;
  const publicUrl = e.PUBLIC_URL ? e.PUBLIC_URL.replace(/\/+$/, "") : `http://localhost:${e.PORT}`;
  return {
    port: e.PORT,
    host: e.HOST || "0.0.0.0",
    dataDir: e.DATA_DIR || "./data",
    adminToken: e.ADMIN_TOKEN || null,
    feedSecret: e.FEED_SECRET || null,
    rotateFeedSecret: e.ROTATE_FEED_SECRET === "1" || e.ROTATE_FEED_SECRET === "true",
    publicUrl,
    pastDays: e.FEED_PAST_DAYS,
    futureDays: e.FEED_FUTURE_DAYS,
    refreshSeconds: e.REFRESH_INTERVAL_MINUTES * 60,
    maxSnapshotBytes: e.MAX_SNAPSHOT_BYTES,
    cacheBytes: e.CACHE_MB * 1024 * 1024,
    inlineDecompressBytes: e.INLINE_DECOMPRESS_KIB * 1024,
    demo: e.DEMO !== "0" && e.DEMO !== "false",
    serveThreads: e.SERVE_THREADS < 0 ? null : e.SERVE_THREADS,
    renderThreads: e.RENDER_THREADS < 0 ? null : e.RENDER_THREADS,
    tzdataRecheck: e.TZDATA_RECHECK === "1" || e.TZDATA_RECHECK === "true",
    tzdir: e.TZDIR || null,
    clientLimits: e.CLIENT_LIMITS !== "off",
    clientIpHeader: e.CLIENT_IP_HEADER ? e.CLIENT_IP_HEADER.toLowerCase() : null,
    limits: {
      ...DEFAULT_LIMITS,
      token: perHour(e.LIMIT_TOKEN_BURST, e.LIMIT_TOKEN_PER_HOUR),
      address: { burst: e.LIMIT_ADDRESS_BURST, perSecond: e.LIMIT_ADDRESS_PER_SECOND },
      misses: perHour(e.LIMIT_MISS_BURST, e.LIMIT_MISS_PER_HOUR),
      sharedFetcherFactor: e.LIMIT_SHARED_FETCHER_FACTOR,
      sharedFetcherRanges: [
        ...(e.SHARED_FETCHER_BUILTIN === "off" ? [] : SHARED_FETCHER_RANGES),
        ...rangeList(e.SHARED_FETCHER_RANGES ?? "").ranges,
      ],
      partner: perHour(e.PARTNER_BURST, e.PARTNER_PER_HOUR),
      maxInflight: e.MAX_INFLIGHT,
      adminReserved: Math.min(e.ADMIN_RESERVED, e.MAX_INFLIGHT - 1),
      standardSharePercent: e.STANDARD_SHARE_PERCENT,
    },
    connections: {
      maxConnections: e.MAX_CONNECTIONS,
      maxPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
      maxPreRequestPerAddress: e.MAX_PRE_REQUEST_PER_ADDRESS,
      firstByteTimeoutMs: e.FIRST_BYTE_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: e.HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: e.REQUEST_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    },
  };
}
