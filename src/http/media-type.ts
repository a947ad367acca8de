/**
 * Media types as RFC 9110 §8.3.1 writes them, parsed in one place for every `Content-Type` the service reads:
 *
 *     media-type      = type "/" subtype parameters
 *     parameters      = *( OWS ";" OWS [ parameter ] )
 *     parameter       = parameter-name "=" parameter-value
 *     parameter-value = ( token / quoted-string )
 *
 * Type, subtype and parameter names are case-insensitive (returned lower-cased); values are returned as written,
 * quoted-strings unquoted. A parameter named twice is refused: which value counts would depend on the reader.
 * https://www.rfc-editor.org/rfc/rfc9110#section-8.3.1
 */

/** A parsed media type: `application/json; charset=utf-8` → `{ type, subtype, parameters: {charset → "utf-8"} }`. */
export interface MediaType {
  type: string;
  subtype: string;
  /** Parameter name (lower case) → value (unquoted, case as written). */
  parameters: Map<string, string>;
}

export type MediaTypeResult = { ok: true; mediaType: MediaType } | { ok: false; problem: string };

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const OWS = /^[ \t]*/;
// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, qdtext and quoted-pair as in RFC 9110 §5.6.4.
const QUOTED = /^"((?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*)"/;

/**
 * Parses a `Content-Type` value, or says why it is not a media type.
 *
 * @example
 * parseMediaType('Application/JSON ; Charset="UTF-8"')
 * // { ok: true, mediaType: { type: "application", subtype: "json", parameters: Map { "charset" => "UTF-8" } } }
 * parseMediaType("application/json; charset=utf-8; charset=latin1")
 * // { ok: false, problem: "parameter `charset` is given twice" }
 */
export function parseMediaType(value: string): MediaTypeResult {
  let rest = value.replace(OWS, "");
  const type = TOKEN.exec(rest)?.[0];
  if (type === undefined || rest[type.length] !== "/")
    return { ok: false, problem: "it has no type/subtype" };
  rest = rest.slice(type.length + 1);
  const subtype = TOKEN.exec(rest)?.[0];
  if (subtype === undefined) return { ok: false, problem: "it has no type/subtype" };
  rest = rest.slice(subtype.length).replace(OWS, "");

  const parameters = new Map<string, string>();
  while (rest.length > 0) {
    if (rest[0] !== ";") return { ok: false, problem: "parameters must follow `;`" };
    rest = rest.slice(1).replace(OWS, "");
    if (rest.length === 0 || rest[0] === ";") continue; // an empty parameter is allowed
    const name = TOKEN.exec(rest)?.[0];
    if (name === undefined || rest[name.length] !== "=")
      return { ok: false, problem: "a parameter is not name=value" };
    rest = rest.slice(name.length + 1);
    let parameterValue: string;
    const quoted = QUOTED.exec(rest);
    if (quoted !== null) {
      parameterValue = (quoted[1] ?? "").replace(/\\(.)/g, "$1");
      rest = rest.slice(quoted[0].length);
    } else {
      const token = TOKEN.exec(rest)?.[0];
      if (token === undefined)
        return { ok: false, problem: "a parameter value is neither a token nor quoted" };
      parameterValue = token;
      rest = rest.slice(token.length);
    }
    const key = name.toLowerCase();
    if (parameters.has(key)) return { ok: false, problem: `parameter \`${key}\` is given twice` };
    parameters.set(key, parameterValue);
    rest = rest.replace(OWS, "");
  }
  return { ok: true, mediaType: { type: type.toLowerCase(), subtype: subtype.toLowerCase(), parameters } };
}
