// The admin page's small toolkit (served as /admin/app-dom.js): building elements without HTML strings (names
// come from snapshots, and the CSP allows no inline code), the status line, view switching with focus moved to
// the new heading, copy fields, tables, and the admin API client that carries the token from session storage.
// Every piece of data-derived text (names, user agents, job messages) is isolated, in <bdi> or, where text has no
// markup (the document title, an alt text), between FSI and PDI, so that its bidi formatting (an unclosed
// RIGHT-TO-LEFT OVERRIDE in a name) cannot reorder the page's own sentence around it.

const TOKEN_KEY = "shiftfeed.adminToken";
/** Fired on `window` when the server refuses the token: the page shows the sign-in form again. */
export const SIGNED_OUT = "shiftfeed:signed-out";

const app = document.getElementById("app");
const status = document.getElementById("status");

/** The admin token of this tab (session storage only: never in a URL, gone when the tab closes). */
export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (value) => sessionStorage.setItem(TOKEN_KEY, value);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);
export const enc = encodeURIComponent;

/** An element with attributes (`on…` functions become listeners) and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) el.append(child);
  return el;
}

/** Data-derived text in an element of its own that isolates it (`<bdi>`): see the header. */
export const bdi = (text) => h("bdi", {}, text);

/**
 * Data-derived text isolated for places without markup: FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, with the
 * text's own isolates balanced (a stray PDI dropped, an open one closed) so the last PDI closes exactly this one.
 */
export function isolate(text) {
  let open = 0;
  let out = "";
  for (const ch of String(text)) {
    if (ch === "\u2066" || ch === "\u2067" || ch === "\u2068") open++;
    else if (ch === "\u2069") {
      if (open === 0) continue;
      open--;
    }
    out += ch;
  }
  return `\u2068${out}${"\u2069".repeat(open)}\u2069`;
}

/** Writes the status line (a polite live region: screen readers read it out). */
export function say(text, error = false) {
  status.textContent = text;
  status.className = error ? "status error" : "status";
}

/** An admin API call; a 401 signs out. Resolves to the parsed JSON (or the raw response for other types). */
export async function api(method, path, body) {
  const headers = { authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    clearToken();
    window.dispatchEvent(new Event(SIGNED_OUT));
    throw new Error("The admin token was refused: sign in again.");
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json")) return res;
  const json = await res.json();
  if (!res.ok) throw new Error(json.error?.message ?? `HTTP ${res.status}`);
  return json;
}

/** Replaces the view, moves focus to its heading (screen readers announce the new page); `title` may be a name. */
export function show(title, ...content) {
  const heading = h("h1", { tabindex: "-1" }, bdi(title));
  app.replaceChildren(heading, ...content);
  document.title = `${isolate(title)} · shiftfeed admin`;
  heading.focus();
}

/** A labelled read-only field with a Copy button (falls back to selecting the text). */
export function copyField(label, value, id) {
  const input = h("input", { type: "text", id, value, readonly: true });
  const copy = h(
    "button",
    {
      type: "button",
      class: "secondary",
      "aria-label": `Copy ${label}`,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(value);
          say(`${label} copied.`);
        } catch {
          input.select();
          say(`Press Ctrl+C (⌘C) to copy the ${label}.`);
        }
      },
    },
    "Copy",
  );
  return [h("label", { for: id }, label), h("div", { class: "row" }, input, copy)];
}

/** A table: `headers` and each row's cells are `[content, class?]`. */
export function table(headers, rows) {
  const head = h(
    "tr",
    {},
    headers.map(([text, cls]) => h("th", { scope: "col", class: cls }, text)),
  );
  const body = rows.map((cells) =>
    h(
      "tr",
      {},
      cells.map(([text, cls]) => h("td", { class: cls }, text)),
    ),
  );
  return h("table", {}, h("thead", {}, head), h("tbody", {}, body));
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
export function ago(iso) {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
export const CLIENTS = {
  google: "Google Calendar",
  apple: "Apple Calendar",
  outlook: "Outlook",
  other: "Other",
};
