import { createMemoryStore } from "../../src/store/memory.ts";
import { testBlobStore } from "./blob-store-conformance.ts";

testBlobStore("memory", async () => createMemoryStore());
