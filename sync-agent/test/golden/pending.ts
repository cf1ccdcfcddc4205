/**
 * Golden cases whose expectations the translator does not meet yet. Each is skipped with its reason in the test
 * title and has no `.out.yaml` (a wrong output is never blessed); fix the bug, delete the entry, regenerate.
 */
export const PENDING: Record<string, string> = {};
