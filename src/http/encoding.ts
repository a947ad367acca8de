/**
 * Content negotiation for feed bodies: gzip (stored form) or identity (gunzipped on the way out).
 * RFC 9110 §12.5.3 (https://www.rfc-editor.org/rfc/rfc9110#section-12.5.3).
 */

/** The codings a feed can be sent in: we store gzip only, so `br`/`zstd` requests get identity. */
export type FeedEncoding = "gzip" | "identity";

/** Accept-Encoding values longer than this are not parsed (identity is sent). */
const MAX_ACCEPT_ENCODING_LENGTH = 4096;
// weight = OWS ";" OWS "q=" qvalue; qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Chooses the coding for a feed response.
 *
 * - gzip when `gzip`/`x-gzip` (§8.4.1.3: "A recipient SHOULD consider 'x-gzip' to be equivalent to 'gzip'"),
 *   or failing an explicit entry `*`, has q > 0 — unless `identity` is listed with a strictly higher q.
 * - identity otherwise, including `gzip;q=0`, `br` only, and an empty value (§12.5.3: "An Accept-Encoding header
 *   field with a field value that is empty implies that the user agent does not want any content coding").
 * - identity for a **missing** header. §12.5.3 reads "If no Accept-Encoding header field is in the request, any
 *   content coding is considered acceptable by the user agent", but a client that sends none (Google Calendar's
 *   importer, scripts, old partner integrations) may well not decode gzip; identity is always understood, and
 *   the ~5× bandwidth cost only falls on clients that never asked for compression.
 * - Never "no acceptable coding": `identity;q=0` with no gzip still gets identity (§12.5.3 permits sending it
 *   rather than 406, and an error would break the subscription).
 * @example chooseEncoding("gzip, deflate, br") // "gzip"
 */
export function chooseEncoding(acceptEncoding: string | null): FeedEncoding {
  if (acceptEncoding === null || acceptEncoding.length > MAX_ACCEPT_ENCODING_LENGTH) return "identity";
  let gzipQ: number | null = null;
  let starQ: number | null = null;
  let identityQ: number | null = null;
  for (const member of acceptEncoding.split(",")) {
    const [rawCoding = "", ...params] = member.split(";");
    const coding = rawCoding.trim().toLowerCase();
    if (coding === "") continue;
    const q = parseWeight(params);
    if (q === null) continue; // a malformed weight: ignore the member rather than guess
    if (coding === "gzip" || coding === "x-gzip") gzipQ = gzipQ === null ? q : Math.min(gzipQ, q);
    else if (coding === "*") starQ = q;
    else if (coding === "identity") identityQ = q;
  }
  const effectiveGzip = gzipQ ?? starQ ?? 0;
  if (effectiveGzip <= 0) return "identity";
  if (identityQ !== null && identityQ > effectiveGzip) return "identity";
  return "gzip";
}

/** The q of a member's parameters (default 1), or `null` when a `q` parameter is malformed. */
function parseWeight(params: string[]): number | null {
  let q = 1;
  for (const param of params) {
    const [name = "", value = ""] = param.split("=");
    if (name.trim().toLowerCase() !== "q") continue;
    const v = value.trim();
    if (!QVALUE.test(v)) return null;
    q = Number(v);
  }
  return q;
}
