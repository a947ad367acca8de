/** The Prometheus text registry behind `/metrics`: counters keyed by their labels, escaping, merged samples. */
import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/core/metrics.ts";

describe("Metrics", () => {
  it("adds up a counter per label combination, labels in the order given", () => {
    const m = new Metrics();
    m.inc("shiftfeed_x_total", "X", { route: "feed", status: 304 });
    m.inc("shiftfeed_x_total", "X", { route: "feed", status: 304 }, 2);
    m.inc("shiftfeed_x_total", "X", { route: "feed", status: 200 });
    m.inc("shiftfeed_y_total", "Y");
    const text = m.render();
    expect(text).toContain('shiftfeed_x_total{route="feed",status="304"} 3\n');
    expect(text).toContain('shiftfeed_x_total{route="feed",status="200"} 1\n');
    expect(text).toContain("shiftfeed_y_total 1\n");
    expect(text).toContain("# TYPE shiftfeed_x_total counter\n");
  });

  it("turns quotes, backslashes and newlines in label values into _, so a value cannot break the format", () => {
    const m = new Metrics();
    m.inc("shiftfeed_z_total", "Z", { client: 'a"b\\c\nd', plain: "ok" });
    expect(m.render()).toContain('shiftfeed_z_total{client="a_b_c_d",plain="ok"} 1\n');
    expect(m.samples()).toEqual([
      { name: "shiftfeed_z_total", help: "Z", labels: 'client="a_b_c_d",plain="ok"', value: 1 },
    ]);
  });

  it("adds samples merged from other threads to its own", () => {
    const m = new Metrics();
    m.inc("shiftfeed_x_total", "X", { status: 200 });
    m.merge("thread-1", [{ name: "shiftfeed_x_total", help: "X", labels: 'status="200"', value: 4 }]);
    m.merge("thread-1", [{ name: "shiftfeed_x_total", help: "X", labels: 'status="200"', value: 5 }]); // replaces
    expect(m.render()).toContain('shiftfeed_x_total{status="200"} 6\n');
  });
});
