// The admin page's entry script (served as /admin/app.js; plain ES modules, no build step). It signs in with the
// admin token, kept in session storage only (never in a URL), and routes the `#/…` fragment to a view: search,
// person, schedule (app-people.js), regenerate (app-regenerate.js), traffic (app-traffic.js). The DOM is built
// with createElement and textContent only (app-dom.js), so the page runs under a CSP without 'unsafe-inline'.
import { api, clearToken, h, say, setToken, show, SIGNED_OUT, token } from "./app-dom.js";
import { personView, scheduleView, searchView } from "./app-people.js";
import { regenerateView } from "./app-regenerate.js";
import { trafficView } from "./app-traffic.js";

const nav = document.getElementById("nav");

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
        setToken(input.value.trim());
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
  clearToken();
  say("Signed out.");
  location.hash = "#/";
  render();
});
window.addEventListener(SIGNED_OUT, () => render());
window.addEventListener("hashchange", () => {
  say("");
  render();
});
render();
