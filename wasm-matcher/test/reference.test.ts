import { describe } from "vitest";
import { createReferenceMatcher } from "../src/reference.ts";
import { runMatcherCases } from "./matcher.cases.ts";

describe("reference matcher", () => runMatcherCases((s) => createReferenceMatcher(s)));
