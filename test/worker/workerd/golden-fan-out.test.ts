// Every golden case in workerd, byte for byte (golden-cases.ts), with publishes fanned out three people at a time:
// the project `slow-workers-fan-out` of vitest.config.mts runs this file with `FAN_OUT_BATCH=3`, so the batched
// publish path is held to the same bytes.
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { describeGoldenCases } from "./golden-cases.ts";

it("runs with three people per batch", () => {
  expect((env as { FAN_OUT_BATCH?: string }).FAN_OUT_BATCH).toBe("3");
});

describeGoldenCases("three people per batch");
