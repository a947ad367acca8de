// The admin page's regeneration view (served as /admin/app-regenerate.js): a scope form (organization, schedule,
// person, force), then the job followed to its end with a progress bar, a count and an estimate of the time left.
import { api, bdi, enc, h, say, show } from "./app-dom.js";

export function regenerateView(params) {
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
            job.errors.map((e) => h("li", { class: "error" }, `${e.scope}: `, bdi(e.message))),
          ),
        );
      say(`Regeneration ${job.state}.`, job.state === "failed");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
