import { describe } from "vitest";
import { loadMatcherModule } from "../src/load-node.ts";
import { createWasmMatcher } from "../src/wasm.ts";
import { runMatcherCases } from "./matcher.cases.ts";

const module = loadMatcherModule();

describe("wasm matcher", () => runMatcherCases((s) => createWasmMatcher(module, s)));
