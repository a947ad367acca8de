// Every golden case in workerd, byte for byte (golden-cases.ts), with the Worker's default batch size.
import { describeGoldenCases } from "./golden-cases.ts";

describeGoldenCases("default batches");
