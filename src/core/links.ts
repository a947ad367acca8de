/**
 * Subscription links for a feed token: the https URL, the `webcal://` form that opens a subscription on Apple
 * devices and Outlook, and Google Calendar's add-by-URL link (CLIENTS.md).
 */

export interface FeedLinks {
  url: string;
  webcalUrl: string;
  googleUrl: string;
}

/** Google Calendar silently fails subscriptions to longer URLs (CLIENTS.md). */
export const MAX_FEED_URL_LENGTH = 255;

/**
 * @param publicUrl the service's base URL (`PUBLIC_URL`), without a trailing slash.
 * @example feedLinks("https://feeds.example.org", token).webcalUrl // "webcal://feeds.example.org/feeds/….ics"
 */
export function feedLinks(publicUrl: string, token: string): FeedLinks {
  const url = `${publicUrl}/feeds/${token}.ics`;
  const webcalUrl = url.replace(/^https?:\/\//, "webcal://");
  return {
    url,
    webcalUrl,
    googleUrl: `https://calendar.google.com/calendar/r?cid=${encodeURIComponent(webcalUrl)}`,
  };
}

/** IMF-fixdate (RFC 9110 §5.6.7) of whole seconds since the epoch. */
export function httpDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toUTCString();
}
