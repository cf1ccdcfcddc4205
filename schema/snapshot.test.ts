import { expect, it } from "vitest";
import { validateSnapshot } from "./snapshot.ts";
it("rejects garbage", () => { expect(validateSnapshot({}).ok).toBe(false); });
