/**
 * The address ranges of the well-known shared fetchers, kept as data: the servers that fetch calendar
 * subscriptions on behalf of many people at once, so thousands of subscribers arrive from a handful of addresses.
 * A request from one of these ranges gets the shared-fetcher budgets (docs/limits.md › Shared fetchers); a request that
 * only *claims* to be one in its user agent gets nothing extra, since the user agent is never read for limits.
 *
 * Each entry says whose it is and where the operator of that network documents it. These lists change now and
 * then: compare them with their sources when upgrading, and add ranges without a release through
 * `SHARED_FETCHER_RANGES` (or turn this list off with `SHARED_FETCHER_BUILTIN=off`).
 */

/** One fetcher's ranges and their documented source. */
export interface SharedFetcher {
  /** Who fetches from these ranges. */
  name: string;
  /** Where the network's owner publishes them. */
  source: string;
  ranges: readonly string[];
}

export const SHARED_FETCHERS: readonly SharedFetcher[] = [
  {
    name: "Google (Google Calendar's importer and Google's other user-triggered fetchers)",
    source:
      "Google's published crawler and fetcher ranges (developers.google.com/crawling/ipranges/: googlebot.json and user-triggered-fetchers-google.json)",
    ranges: ["66.249.64.0/19", "2001:4860:4801::/48"],
  },
  {
    name: "Apple (iCloud's calendar servers, which fetch the subscriptions of iCloud-synced calendars)",
    source:
      "Apple's own address block, registered to Apple at ARIN and named in Apple's enterprise network guidance",
    ranges: ["17.0.0.0/8"],
  },
  {
    name: "Microsoft (Outlook.com and Microsoft 365, which fetch internet calendars from Exchange Online)",
    source:
      "the Exchange Online ranges of Microsoft's published Microsoft 365 endpoints (endpoints.office.com, service area Exchange)",
    ranges: [
      "40.92.0.0/15",
      "40.96.0.0/13",
      "40.104.0.0/15",
      "40.107.0.0/16",
      "52.96.0.0/14",
      "52.100.0.0/14",
      "104.47.0.0/17",
      "2603:1006::/40",
      "2603:1016::/36",
      "2603:1026::/36",
      "2603:1036::/36",
      "2603:1046::/36",
      "2603:1056::/36",
    ],
  },
];

/** Every built-in range. */
export const SHARED_FETCHER_RANGES: readonly string[] = SHARED_FETCHERS.flatMap((f) => f.ranges);
