/**
 * Subscription links for a feed token: the https URL, the `webcal://` form that opens a subscription on Apple
 * devices and Outlook, Google Calendar's add-by-URL link (README › Subscribing), Outlook on the web's subscribe link, and
 * the subscribe page a doctor is sent (the same token under another path: as secret as the feed, dead with it).
 */

export interface FeedLinks {
  url: string;
  webcalUrl: string;
  googleUrl: string;
  subscribeUrl: string;
}

/** Where a feed's subscribe page lives: this prefix, then the feed token. */
export const SUBSCRIBE_PREFIX = "/subscribe/";

/**
 * Outlook on the web / Microsoft 365's "subscribe from web" link, pre-filled with the feed URL and a name.
 * @example outlookUrl("https://feeds.example.org/feeds/….ics", "Ana López") // "https://outlook.office.com/calendar/0/addfromweb?url=…&name=…"
 */
export function outlookUrl(feedUrl: string, name: string): string {
  return `https://outlook.office.com/calendar/0/addfromweb?url=${encodeURIComponent(feedUrl)}&name=${encodeURIComponent(name)}`;
}

/** Google Calendar silently fails subscriptions to longer URLs (docs/api.md › Feeds, tokens). */
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
    subscribeUrl: `${publicUrl}${SUBSCRIBE_PREFIX}${token}`,
  };
}

/** IMF-fixdate (RFC 9110 §5.6.7) of whole seconds since the epoch. */
export function httpDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toUTCString();
}
