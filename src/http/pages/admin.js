// The admin page's script (served as /admin/app.js; no build step). It signs in with the admin token, kept in
// session storage only (never in a URL), and drives the admin API with it. The DOM is built with createElement
// and textContent only — names come from snapshots — so the page runs under a CSP without 'unsafe-inline'.

const TOKEN_KEY = "shiftfeed.adminToken";
const app = document.getElementById("app");
const status = document.getElementById("status");
const nav = document.getElementById("nav");

/** An element with attributes (`on…` functions become listeners) and children (strings become text). */
function h(tag, attrs = {}, ...children) {
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

const say = (text, error = false) => {
  status.textContent = text;
  status.className = error ? "status error" : "status";
};
const token = () => sessionStorage.getItem(TOKEN_KEY);
const enc = encodeURIComponent;

/** An admin API call; a 401 signs out. Resolves to the parsed JSON (or the raw response for other types). */
async function api(method, path, body) {
  const headers = { authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    render();
    throw new Error("The admin token was refused: sign in again.");
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json")) return res;
  const json = await res.json();
  if (!res.ok) throw new Error(json.error?.message ?? `HTTP ${res.status}`);
  return json;
}

/** Replaces the view, moves focus to its heading (screen readers announce the new page). */
function show(title, ...content) {
  const heading = h("h1", { tabindex: "-1" }, title);
  app.replaceChildren(heading, ...content);
  document.title = `${title} · shiftfeed admin`;
  heading.focus();
}

function copyField(label, value, id) {
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

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
const ago = (iso) => {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
};
const CLIENTS = { google: "Google Calendar", apple: "Apple Calendar", outlook: "Outlook", other: "Other" };

function table(headers, rows) {
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map(([text, cls]) => h("th", { scope: "col", class: cls }, text)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((cells) =>
        h(
          "tr",
          {},
          cells.map(([text, cls]) => h("td", { class: cls }, text)),
        ),
      ),
    ),
  );
}

// ---- views --------------------------------------------------------------------------------------------------

function signIn() {
  nav.hidden = true;
  const input = h("input", {
    type: "password",
    id: "token",
    autocomplete: "current-password",
    required: true,
  });
  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        try {
          await api("GET", "/admin/search?q=");
          say("Signed in.");
          render();
        } catch (error) {
          say(error.message, true);
        }
      },
    },
    h("label", { for: "token" }, "Admin token"),
    input,
    h("p", { class: "muted" }, "npm start prints it once and keeps it in DATA_DIR/secrets/admin-token."),
    h("button", { type: "submit" }, "Sign in"),
  );
  show("Sign in", form);
}

function searchView(query = "") {
  const input = h("input", { type: "search", id: "q", value: query, autocomplete: "off" });
  const results = h("div", { id: "results", "aria-live": "polite" });
  const run = async () => {
    const q = input.value.trim();
    history.replaceState(null, "", q ? `#/?q=${enc(q)}` : "#/");
    if (!q) return results.replaceChildren();
    const found = await api("GET", `/admin/search?q=${enc(q)}`);
    results.replaceChildren(
      h("h2", {}, `People (${found.people.length})`),
      h(
        "ul",
        { class: "plain" },
        found.people.map((p) =>
          h(
            "li",
            {},
            h("a", { href: `#/people/${enc(p.org)}/${enc(p.person)}` }, p.name),
            ` · ${p.org} · ${p.person} · ${p.schedules.join(", ")}`,
          ),
        ),
      ),
      h("h2", {}, `Schedules (${found.schedules.length})`),
      h(
        "ul",
        { class: "plain" },
        found.schedules.map((s) =>
          h(
            "li",
            {},
            h("a", { href: `#/schedules/${enc(s.org)}/${enc(s.schedule)}` }, s.name),
            ` · ${s.org} · ${s.people} people`,
          ),
        ),
      ),
    );
  };
  const form = h(
    "form",
    {
      role: "search",
      onsubmit: (event) => (event.preventDefault(), run().catch((e) => say(e.message, true))),
    },
    h("label", { for: "q" }, "Find a person or schedule (name or id)"),
    h("div", { class: "row" }, input, h("button", { type: "submit" }, "Search")),
  );
  show("Search", form, results);
  if (query) run().catch((e) => say(e.message, true));
}

async function personView(org, person) {
  const p = await api("GET", `/admin/orgs/${enc(org)}/people/${enc(person)}`);
  const qr = h("img", { class: "qr", id: "qr", alt: `QR code of ${p.name}'s subscribe page` });
  api("GET", `/admin/orgs/${enc(org)}/people/${enc(person)}/qr.svg`)
    .then((res) => res.blob())
    .then((blob) => (qr.src = URL.createObjectURL(blob)))
    .catch((e) => say(e.message, true));
  const dialog = h(
    "dialog",
    { id: "rotate-dialog", "aria-labelledby": "rotate-title" },
    h("h2", { id: "rotate-title" }, `Rotate ${p.name}'s link?`),
    h(
      "p",
      {},
      "The current feed link and subscribe page stop working at once. They will have to subscribe again with the new link.",
    ),
    h(
      "form",
      { method: "dialog" },
      h("button", { type: "submit", value: "cancel", class: "secondary", autofocus: true }, "Cancel"),
      h("button", { type: "submit", value: "rotate", class: "danger" }, "Rotate link"),
    ),
  );
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "rotate") return;
    try {
      await api("POST", `/admin/orgs/${enc(org)}/people/${enc(person)}/rotate`);
      await personView(org, person);
      say("New link made; the old one no longer works.");
    } catch (error) {
      say(error.message, true);
    }
  });
  const fetches =
    p.lastFetch.length === 0
      ? h("p", { id: "last-fetch" }, "No calendar app has fetched this feed yet.")
      : h(
          "div",
          { id: "last-fetch" },
          table(
            [["App"], ["Last fetch"], ["Answer", "num"], ["Requests", "num"], ["User agent"]],
            p.lastFetch.map((f) => [
              [CLIENTS[f.client] ?? f.client],
              [`${ago(f.at)} (${when(f.at)})`],
              [String(f.status), "num"],
              [String(f.requests), "num"],
              [f.userAgent ?? "—"],
            ]),
          ),
        );
  show(
    p.name,
    h(
      "p",
      { class: "muted" },
      `${p.org} · ${p.person} · `,
      ...p.schedules.flatMap((s, i) => [
        i ? ", " : "",
        h("a", { href: `#/schedules/${enc(org)}/${enc(s)}` }, s),
      ]),
    ),
    h(
      "div",
      { class: "grid" },
      h(
        "div",
        {},
        ...copyField("Feed link", p.feed.url, "feed-url"),
        ...copyField("Subscribe page (send this to them)", p.feed.subscribeUrl, "subscribe-url"),
        h(
          "p",
          {},
          h(
            "a",
            { class: "button", href: p.feed.googleUrl, target: "_blank", rel: "noopener noreferrer" },
            "Add to Google Calendar",
          ),
          h("a", { class: "button", href: p.feed.webcalUrl }, "Subscribe on iPhone / Mac"),
          h(
            "a",
            {
              class: "button secondary",
              href: p.feed.subscribeUrl,
              target: "_blank",
              rel: "noopener noreferrer",
            },
            "Open subscribe page",
          ),
        ),
      ),
      h("figure", {}, qr, h("figcaption", { class: "muted" }, "Scan to open the subscribe page")),
    ),
    h("h2", {}, "Last fetch by app"),
    fetches,
    h("h2", {}, "Feed"),
    table(
      [["Events", "num"], ["Size", "num"], ["Last modified"], ["ETag"]],
      [
        [
          [String(p.feed.events), "num"],
          [`${p.feed.bytes} bytes`, "num"],
          [p.feed.lastModified],
          [p.feed.etag],
        ],
      ],
    ),
    h(
      "p",
      {},
      h("button", { type: "button", class: "danger", onclick: () => dialog.showModal() }, "Rotate link…"),
      h(
        "a",
        { class: "button secondary", href: `#/regenerate?org=${enc(org)}&person=${enc(person)}` },
        "Regenerate this feed",
      ),
    ),
    dialog,
  );
}

async function scheduleView(org, schedule) {
  const [s, { people }] = await Promise.all([
    api("GET", `/admin/orgs/${enc(org)}/schedules/${enc(schedule)}`),
    api("GET", `/admin/orgs/${enc(org)}/schedules/${enc(schedule)}/people`),
  ]);
  show(
    s.name,
    h("p", { class: "muted" }, `${s.org} · ${s.schedule} · ${s.timezone}`),
    table(
      [["Revision", "num"], ["Published"], ["People", "num"], ["Assignments", "num"]],
      [
        [
          [String(s.revision), "num"],
          [when(s.publishedAt)],
          [String(s.people), "num"],
          [String(s.assignments), "num"],
        ],
      ],
    ),
    ...(s.feed ? copyField("Schedule feed link", s.feed.url, "schedule-feed-url") : []),
    h(
      "p",
      {},
      h(
        "a",
        { class: "button secondary", href: `#/regenerate?org=${enc(org)}&schedule=${enc(schedule)}` },
        "Regenerate this schedule",
      ),
    ),
    h("h2", {}, `People (${people.length})`),
    h(
      "ul",
      { class: "plain" },
      people.map((p) =>
        h("li", {}, h("a", { href: `#/people/${enc(org)}/${enc(p.person)}` }, p.name), ` · ${p.person}`),
      ),
    ),
  );
}

function regenerateView(params) {
  const field = (name, label) => [
    h("label", { for: `regen-${name}` }, label),
    h("input", { type: "text", id: `regen-${name}`, name, value: params.get(name) ?? "" }),
  ];
  const progress = h("progress", {
    id: "regen-progress",
    max: "1",
    value: "0",
    "aria-label": "Regeneration progress",
  });
  const line = h("p", { id: "regen-state", "aria-live": "polite" });
  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const scope = {};
        for (const key of ["org", "schedule", "person"])
          if (data.get(key)) scope[key] = String(data.get(key)).trim();
        if (data.get("force")) scope.force = true;
        try {
          const { job } = await api("POST", "/admin/regenerate", scope);
          await follow(job.id, progress, line);
        } catch (error) {
          say(error.message, true);
        }
      },
    },
    h("p", { class: "muted" }, "Leave everything empty to regenerate every feed."),
    ...field("org", "Organization id"),
    ...field("schedule", "Schedule id (needs the organization)"),
    ...field("person", "Person id (needs the organization)"),
    h(
      "label",
      { class: "inline" },
      h("input", { type: "checkbox", name: "force" }),
      "Render every event again (force)",
    ),
    h("p", {}, h("button", { type: "submit" }, "Start regeneration")),
  );
  show("Regenerate", form, progress, line);
}

/** Polls a job until it finishes, showing progress and an estimate of the time left. */
async function follow(id, progress, line) {
  const started = Date.now();
  for (;;) {
    const job = await api("GET", `/admin/jobs/${enc(id)}`);
    progress.max = Math.max(1, job.total);
    progress.value = job.done;
    const rate = job.done / Math.max(1, (Date.now() - started) / 1000);
    const eta =
      job.state === "running" && rate > 0
        ? ` · about ${Math.ceil((job.total - job.done) / rate)} s left`
        : "";
    line.textContent = `${job.state}: ${job.done} of ${job.total} feeds, ${job.updated} changed${eta}`;
    if (job.state === "succeeded" || job.state === "failed") {
      if (job.errors.length)
        line.append(
          h(
            "ul",
            {},
            job.errors.map((e) => h("li", { class: "error" }, `${e.scope}: ${e.message}`)),
          ),
        );
      say(`Regeneration ${job.state}.`, job.state === "failed");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function trafficView() {
  const t = await api("GET", "/admin/traffic");
  const max = Math.max(1, ...t.perMinute.map((m) => m.requests));
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 600 100");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Feed requests per minute over the last hour; at most ${max} in a minute`);
  t.perMinute.forEach((m, i) => {
    const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    const height = (m.requests / max) * 100;
    for (const [k, v] of Object.entries({ x: i * 10 + 1, width: 8, y: 100 - height, height }))
      rect.setAttribute(k, String(v));
    const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
    title.textContent = `${new Date(m.minute).toLocaleTimeString()}: ${m.requests} requests, ${m.notModified} not modified`;
    rect.append(title);
    svg.append(rect);
  });
  const label = (minutes) =>
    minutes < 60 ? `Last ${minutes} min` : minutes === 60 ? "Last hour" : "Last 24 h";
  const pct = (x) => `${(x * 100).toFixed(1)} %`;
  show(
    "Traffic",
    h("h2", {}, "Feed requests per minute, last hour"),
    svg,
    h("h2", {}, "Recent windows"),
    h(
      "div",
      { id: "traffic-windows" },
      table(
        [["Window"], ["Requests", "num"], ["304 share", "num"], ["429", "num"], ["503", "num"]],
        t.windows.map((w) => [
          [label(w.minutes)],
          [String(w.requests), "num"],
          [pct(w.notModifiedShare), "num"],
          [String(w.tooManyRequests), "num"],
          [String(w.unavailable), "num"],
        ]),
      ),
    ),
    ...t.windows.slice(0, 2).flatMap((w) => [
      h("h2", {}, `Busiest clients, ${label(w.minutes).toLowerCase()}`),
      table(
        [["Feed"], ["App"], ["User agent"], ["Requests", "num"]],
        w.top.map((c) => [
          [
            c.feed === null
              ? "(no feed: unknown links)"
              : c.feed.startsWith("person/")
                ? h("a", { href: `#/people/${enc(c.org)}/${enc(c.feed.slice(7))}` }, `${c.org}/${c.feed}`)
                : `${c.org}/${c.feed}`,
          ],
          [CLIENTS[c.client] ?? c.client],
          [c.userAgent || "—"],
          [String(c.requests), "num"],
        ]),
      ),
    ]),
    h(
      "p",
      {},
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => trafficView().catch((e) => say(e.message, true)),
        },
        "Refresh",
      ),
    ),
  );
}

// ---- routing ------------------------------------------------------------------------------------------------

async function render() {
  if (!token()) return signIn();
  nav.hidden = false;
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  try {
    if (parts[0] === "people" && parts.length === 3) await personView(parts[1], parts[2]);
    else if (parts[0] === "schedules" && parts.length === 3) await scheduleView(parts[1], parts[2]);
    else if (parts[0] === "regenerate") regenerateView(params);
    else if (parts[0] === "traffic") await trafficView();
    else searchView(params.get("q") ?? "");
  } catch (error) {
    show(
      "Something went wrong",
      h("p", { class: "error" }, error.message),
      h("p", {}, h("a", { href: "#/" }, "Back to search")),
    );
  }
}

document.getElementById("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  say("Signed out.");
  location.hash = "#/";
  render();
});
window.addEventListener("hashchange", () => {
  say("");
  render();
});
render();
