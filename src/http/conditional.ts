/**
 * Conditional GET/HEAD: If-None-Match and If-Modified-Since evaluation, and HTTP-date formatting/parsing.
 * RFC 9110 §13 (https://www.rfc-editor.org/rfc/rfc9110#section-13) is quoted beside the code it governs.
 *
 * Every parse failure degrades to "not a match", i.e. a full 200: sending the whole feed is always correct,
 * a wrong 304 is not. Parsing is bounded so a hostile header costs O(8 KB) at most.
 */

/** If-None-Match values longer than this (in characters) are not evaluated: the request gets a full 200. */
export const MAX_IF_NONE_MATCH_LENGTH = 8 * 1024;
/** If-None-Match lists with more members than this are not evaluated: the request gets a full 200. */
export const MAX_IF_NONE_MATCH_MEMBERS = 1000;

/**
 * Whether a GET/HEAD should be answered `304 Not Modified`.
 * @param req the raw header values (`null` when the header is absent).
 * @param current the selected representation: its entity tag (`W/"…"` or `"…"`) and Last-Modified in epoch seconds.
 * @example isNotModified({ ifNoneMatch: '"a", W/"b"', ifModifiedSince: null }, { etag: 'W/"b"', lastModified: 0 }) // true
 */
export function isNotModified(
  req: { ifNoneMatch: string | null; ifModifiedSince: string | null },
  current: { etag: string; lastModified: number; lastModifiedShared?: boolean; validatedAs?: number },
): boolean {
  // RFC 9110 §13.2.2 step 3: "When If-None-Match is present, evaluate the If-None-Match precondition";
  // step 4: "When the method is GET or HEAD, If-None-Match is not present, and If-Modified-Since is present,
  // evaluate the If-Modified-Since precondition". A present but unparsable If-None-Match still shadows IMS.
  if (req.ifNoneMatch !== null) return ifNoneMatchMatches(req.ifNoneMatch, current.etag);
  if (req.ifModifiedSince !== null) {
    // §13.1.3: "A recipient MUST ignore the If-Modified-Since header field if the received field value is not
    // a valid HTTP-date, the field value has more than one member, ..."
    const since = parseHttpDate(req.ifModifiedSince);
    if (since === null) return false;
    // §13.1.3: false "if the selected representation's last modification date is earlier or equal to the date
    // provided in the field value" — i.e. not modified. Both sides are whole seconds. When two versions share
    // the second (`lastModifiedShared`), an equal date may come from the earlier one: only an earlier
    // modification date proves the client has these bytes (§8.8.2.2: such a date is only weakly validating).
    // A date sent lowered to `Date` (the clock was set back) is compared as stored (`servedLastModified`).
    const modified = Math.floor(current.validatedAs ?? current.lastModified);
    return current.lastModifiedShared ? modified < since : modified <= since;
  }
  return false;
}

/**
 * RFC 9110 §13.1.2: If-None-Match = "*" / #entity-tag, evaluated with the weak comparison function (§8.8.3.2):
 * "two entity-tags are equivalent if their opaque-tags match character-by-character, regardless of either or
 * both being tagged as 'weak'". "If the field value is '*', the condition is false if the origin server has a
 * current representation for the target resource" — we only get here with one, so `*` matches.
 *
 * Grammar (§8.8.3): entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text.
 * `*` is only valid as the whole field value, so `"a", *` is malformed. A malformed member anywhere makes the
 * whole field not match. Empty list elements (`"a", , "b"`) are ignored as §5.6.1.2 requires.
 */
function ifNoneMatchMatches(value: string, currentEtag: string): boolean {
  if (value.length > MAX_IF_NONE_MATCH_LENGTH) return false;
  const current = opaqueTag(currentEtag);
  if (trimOws(value) === "*") return true;

  let matched = false;
  let members = 0;
  let i = 0;
  const n = value.length;
  for (;;) {
    while (i < n && isOws(value.charCodeAt(i))) i++;
    if (i >= n) break;
    if (value.charCodeAt(i) === COMMA) {
      i++; // empty list element
      continue;
    }
    if (++members > MAX_IF_NONE_MATCH_MEMBERS) return false;
    if (value.startsWith("W/", i)) i += 2;
    if (value.charCodeAt(i) !== DQUOTE) return false; // unquoted tag, `*` inside a list, `w/`, …
    const opaqueStart = i;
    i++;
    while (i < n && isEtagc(value.charCodeAt(i))) i++;
    if (value.charCodeAt(i) !== DQUOTE) return false; // unterminated quote or a forbidden character
    i++;
    if (value.slice(opaqueStart, i) === current) matched = true;
    while (i < n && isOws(value.charCodeAt(i))) i++;
    if (i < n && value.charCodeAt(i) !== COMMA) return false; // junk after the tag, e.g. `"a" "b"`
    i++;
  }
  return matched;
}

const COMMA = 0x2c;
const DQUOTE = 0x22;

/** The quoted opaque-tag of an entity-tag (drops a leading `W/`). */
function opaqueTag(etag: string): string {
  return etag.startsWith("W/") ? etag.slice(2) : etag;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** etagc = %x21 / %x23-7E / obs-text (%x80-FF); any other code unit ends or invalidates the tag. */
function isEtagc(c: number): boolean {
  return c === 0x21 || (c >= 0x23 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
}

function trimOws(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, "");
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

/**
 * IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`, for whole epoch seconds
 * (fractions are dropped). Formatted by hand so the output never depends on the runtime's `Date` locale code.
 */
export function formatHttpDate(epochSeconds: number): string {
  const d = new Date(Math.floor(epochSeconds) * 1000);
  if (Number.isNaN(d.getTime())) throw new RangeError(`\`epochSeconds\` ${epochSeconds} is not a valid time`);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999)
    throw new RangeError(`\`epochSeconds\` ${epochSeconds} is outside years 0000–9999`);
  return (
    `${DAYS[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${String(year).padStart(4, "0")} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`
  );
}

// RFC 9110 §5.6.7: "A recipient that parses a timestamp value in an HTTP field MUST accept all three HTTP-date
// formats." Names and `GMT` are case-sensitive (%s"…"); the day name is redundant and is not cross-checked.
const MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850 = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`,
);
/** obsolete asctime: `Sun Nov  6 08:49:37 1994` (day is 2DIGIT or SP DIGIT) */
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/**
 * Parses an HTTP-date in any of the three formats to epoch seconds.
 * @param value the field value; leading/trailing spaces and tabs are ignored.
 * @param nowSeconds the clock used only for RFC 850's two-digit years (default: `Date.now()`).
 * @returns `null` when the value is not exactly one valid HTTP-date (e.g. two comma-separated dates,
 *   `31 Feb`, hour 24, a lower-case month, or a value over 64 characters).
 */
export function parseHttpDate(value: string, nowSeconds: number = Date.now() / 1000): number | null {
  if (value.length > 64) return null;
  const v = trimOws(value);
  let m = IMF_FIXDATE.exec(v);
  if (m) return toEpoch(+m[3]!, m[2]!, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  m = ASCTIME.exec(v);
  if (m) return toEpoch(+m[6]!, m[1]!, +m[2]!.trim(), +m[3]!, +m[4]!, +m[5]!);
  m = RFC850.exec(v);
  if (m) {
    // §5.6.7: "Recipients of a timestamp value in rfc850-date format, which uses a two-digit year, MUST
    // interpret a timestamp that appears to be more than 50 years in the future as representing the most
    // recent year in the past that had the same last two digits."
    const nowYear = new Date(nowSeconds * 1000).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + +m[3]!;
    if (year > nowYear + 50) year -= 100;
    return toEpoch(year, m[2]!, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  }
  return null;
}

function toEpoch(year: number, month: string, day: number, hour: number, minute: number, second: number) {
  const mi = MONTHS.indexOf(month as (typeof MONTHS)[number]);
  // second = 2DIGIT allows 60 for a leap second; it counts as the next minute's :00.
  if (hour > 23 || minute > 59 || second > 60 || day < 1) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, mi, day); // unlike Date.UTC, keeps years 0–99 as written
  if (date.getUTCMonth() !== mi || date.getUTCDate() !== day) return null; // 31 Feb, 31 Apr, …
  return date.getTime() / 1000 + hour * 3600 + minute * 60 + second;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
