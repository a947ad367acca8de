/**
 * Which calendar app sent a request, from its User-Agent (README › Subscribing).
 * Used for the admin "last fetch by client" view and metrics labels, never for behaviour.
 */

/** The calendar apps we tell apart, in a fixed order (codes, tables and schemas follow it); everything else is `other`. */
export const CALENDAR_CLIENTS = ["google", "apple", "outlook", "other"] as const;

/** One of {@link CALENDAR_CLIENTS}. */
export type CalendarClient = (typeof CALENDAR_CLIENTS)[number];

// Order matters: Outlook for iOS runs on iOS but is Outlook, so Microsoft patterns are tested before Apple's.
const PATTERNS: ReadonlyArray<readonly [CalendarClient, RegExp]> = [
  ["google", /Google-Calendar-Importer/i],
  ["outlook", /Microsoft Exchange|Microsoft Office|Outlook-iOS|Outlook-Android|Microsoft Outlook/i],
  ["apple", /dataaccessd|CalendarAgent|(?:^|[\s(])(?:iOS|macOS|iPadOS|Mac OS X|Mac_OS_X)\/\d/i],
];

/** At most this many characters of a User-Agent are examined (bounded work on hostile headers). */
const MAX_UA_LENGTH = 512;

/**
 * Classifies a User-Agent header value.
 * @example classifyClient("iOS/18.1 (22B83) dataaccessd/1.0") // "apple"
 */
export function classifyClient(userAgent: string | null): CalendarClient {
  if (!userAgent) return "other";
  const ua = userAgent.slice(0, MAX_UA_LENGTH);
  for (const [client, pattern] of PATTERNS) if (pattern.test(ua)) return client;
  return "other";
}
