/**
 * The feed requests the bench measures, each as the calendar client that sends it (README › Subscribing),
 * and the answer each must get.
 */

/** One feed URL path with the validators its server gave it. */
export interface FeedTarget {
  /** `/feeds/<token>.ics` */
  path: string;
  etag: string;
  lastModified: string;
}

export type RequestKindName = "if-none-match" | "if-modified-since" | "gzip" | "identity";

/** How one kind of request is sent and what must come back. */
export interface RequestKind {
  name: RequestKindName;
  /** Short label for tables. */
  label: string;
  /** Headers sent with every request of this kind. */
  headers: Record<string, string>;
  /** The per-URL validator header, filled from the target. */
  conditional?: { header: "If-None-Match" | "If-Modified-Since"; from: "etag" | "lastModified" };
  status: 200 | 304;
  /** Expected `Content-Encoding` of a `200` (`null`: none). */
  encoding?: "gzip" | null;
}

/** The four kinds, in table order. */
export const REQUEST_KINDS: readonly RequestKind[] = [
  {
    name: "if-none-match",
    label: "304 If-None-Match",
    headers: {
      "User-Agent": "Microsoft Office/16.0 (Windows NT 10.0; Outlook 16.0)",
      "Accept-Encoding": "gzip",
    },
    conditional: { header: "If-None-Match", from: "etag" },
    status: 304,
  },
  {
    name: "if-modified-since",
    label: "304 If-Modified-Since (Apple)",
    headers: { "User-Agent": "iOS/18.1 (22B83) dataaccessd/1.0", "Accept-Encoding": "gzip, deflate, br" },
    conditional: { header: "If-Modified-Since", from: "lastModified" },
    status: 304,
  },
  {
    name: "gzip",
    label: "200 gzip (Outlook)",
    headers: { "User-Agent": "Microsoft Exchange/15.20 (Windows NT 10.0)", "Accept-Encoding": "gzip" },
    status: 200,
    encoding: "gzip",
  },
  {
    name: "identity",
    label: "200 identity (Google)",
    headers: { "User-Agent": "Google-Calendar-Importer" },
    status: 200,
    encoding: null,
  },
];

/** The headers of one request of `kind` for `target`. */
export function headersFor(kind: RequestKind, target: FeedTarget): Record<string, string> {
  return kind.conditional
    ? { ...kind.headers, [kind.conditional.header]: target[kind.conditional.from] }
    : { ...kind.headers };
}
