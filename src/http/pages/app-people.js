// The admin page's people and schedule views (served as /admin/app-people.js): search by name or id, a person's
// links with copy buttons, the add-to-calendar buttons, a QR code of their subscribe page, who polled their feed,
// and rotation behind a confirmation dialog; a schedule's revision, people and schedule feed.
import { ago, api, bdi, CLIENTS, copyField, enc, h, isolate, say, show, table, when } from "./app-dom.js";

export function searchView(query = "") {
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
            h("a", { href: `#/people/${enc(p.org)}/${enc(p.person)}` }, bdi(p.name)),
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
            h("a", { href: `#/schedules/${enc(s.org)}/${enc(s.schedule)}` }, bdi(s.name)),
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

export async function personView(org, person) {
  const p = await api("GET", `/admin/orgs/${enc(org)}/people/${enc(person)}`);
  const qr = h("img", { class: "qr", id: "qr", alt: `QR code of ${isolate(p.name)}'s subscribe page` });
  api("GET", `/admin/orgs/${enc(org)}/people/${enc(person)}/qr.svg`)
    .then((res) => res.blob())
    .then((blob) => (qr.src = URL.createObjectURL(blob)))
    .catch((e) => say(e.message, true));
  const dialog = h(
    "dialog",
    { id: "rotate-dialog", "aria-labelledby": "rotate-title" },
    h("h2", { id: "rotate-title" }, "Rotate ", bdi(p.name), "'s link?"),
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
              [f.userAgent ? bdi(f.userAgent) : "—"],
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

export async function scheduleView(org, schedule) {
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
        h("li", {}, h("a", { href: `#/people/${enc(org)}/${enc(p.person)}` }, bdi(p.name)), ` · ${p.person}`),
      ),
    ),
  );
}
