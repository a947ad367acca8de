/**
 * Settings, validated once at the boundary from a flat string map (the process environment on Node,
 * the Worker's vars on Cloudflare). Each problem names its variable.
 */
import { z } from "zod";

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
  SERVE_THREADS: int("SERVE_THREADS", 0, 256, -1),
  RENDER_THREADS: int("RENDER_THREADS", 0, 256, -1),
  DEMO: z.enum(["0", "1", "false", "true", ""]).optional(),
  TZDATA_RECHECK: z.enum(["0", "1", "false", "true", ""]).optional(),
});

/** The service's settings, typed. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  adminToken: string | null;
  feedSecret: string | null;
  publicUrl: string;
  pastDays: number;
  futureDays: number;
  refreshSeconds: number;
  maxSnapshotBytes: number;
  cacheBytes: number;
  demo: boolean;
  /** Threads that listen and serve feeds (0: the main thread serves); `null`: one per CPU. */
  serveThreads: number | null;
  /** Threads that parse, render and commit publishes (0: in the main thread); `null`: one per CPU. */
  renderThreads: number | null;
  /** Compare every zone's rules at start even when the tz data version is the one feeds were rendered with. */
  tzdataRecheck: boolean;
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
    publicUrl,
    pastDays: e.FEED_PAST_DAYS,
    futureDays: e.FEED_FUTURE_DAYS,
    refreshSeconds: e.REFRESH_INTERVAL_MINUTES * 60,
    maxSnapshotBytes: e.MAX_SNAPSHOT_BYTES,
    cacheBytes: e.CACHE_MB * 1024 * 1024,
    demo: e.DEMO !== "0" && e.DEMO !== "false",
    serveThreads: e.SERVE_THREADS < 0 ? null : e.SERVE_THREADS,
    renderThreads: e.RENDER_THREADS < 0 ? null : e.RENDER_THREADS,
    tzdataRecheck: e.TZDATA_RECHECK === "1" || e.TZDATA_RECHECK === "true",
  };
}
