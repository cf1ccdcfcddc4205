#!/usr/bin/env node
// The edgeway command: runs the TypeScript CLI through tsx, so the repository needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../sync-agent/src/cli/main.ts");
