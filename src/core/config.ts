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

const schema = z.object({
  PORT: int("PORT", 0, 65535, 8787),
  HOST: z.string().optional(),
  DATA_DIR: z.string().optional(),
  ADMIN_TOKEN: z.string().optional(),
  FEED_SECRET: z.string().optional(),
  PUBLIC_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(v), {
      message: "`PUBLIC_URL` must be an http(s) URL such as https://feeds.example.org",
    }),
  FEED_PAST_DAYS: int("FEED_PAST_DAYS", 0, 3660, 14),
  FEED_FUTURE_DAYS: int("FEED_FUTURE_DAYS", 1, 3660, 300),
  REFRESH_INTERVAL_MINUTES: int("REFRESH_INTERVAL_MINUTES", 5, 10080, 60),
  MAX_SNAPSHOT_BYTES: int("MAX_SNAPSHOT_BYTES", 1024, 1024 * 1024 * 1024, 32 * 1024 * 1024),
  CACHE_MB: int("CACHE_MB", 1, 65536, 64),
  DEMO: z.enum(["0", "1", "false", "true", ""]).optional(),
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
}

/**
 * Parses settings from an environment map.
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
  };
}
