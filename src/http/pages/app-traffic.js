// The admin page's traffic view (served as /admin/app-traffic.js): feed requests per minute over the last hour as
// a bar chart, and per recent window the requests, 304 share, 429 and 503 counts and the busiest clients.
import { api, bdi, CLIENTS, enc, h, say, show, table } from "./app-dom.js";

export async function trafficView() {
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
          [c.userAgent ? bdi(c.userAgent) : "—"],
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
