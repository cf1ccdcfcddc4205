/**
 * The header of a golden case: what the case is about and what the translator must produce, in a small
 * machine-readable form the harness asserts *in addition to* the golden comparison (so regenerating a wrong
 * `.out.yaml` cannot silently bless a bug).
 *
 *   # case: <one-line intent; continuation lines start with "#   ">
 *   # base: infra                         objects from testdata/bases/infra.yaml are prepended
 *   # options: {clusterName: east}        TranslateOptions as a YAML flow map
 *   # expect: <assertion>                 one per line, any number
 *
 * Assertions on statuses (`<Kind> <ref> [listener=L | parent=P] item...`):
 *   GatewayClass edgeway Accepted=True/Accepted          condition Type=Status[/Reason]
 *   Gateway infra/gw Accepted=False/ListenersNotValid listeners=2 addresses=Hostname:gw.infra.edgeway.local
 *   Gateway infra/gw listener=http attachedRoutes=1 supportedKinds=HTTPRoute ResolvedRefs=False/InvalidRouteKinds
 *   HTTPRoute infra/web parent=gw#section:8080 Accepted=False/NoMatchingParent PartiallyInvalid=absent
 *   HTTPRoute infra/web parents=1                        number of our status.parents entries (no status = 0)
 *   Gateway infra/foreign status=none                    we wrote no status for the object at all
 *   (`supportedKinds=-` means an empty list; a parent is `[namespace/]name[#sectionName][:port]`, namespace
 *   defaulting to the route's.)
 * Assertions on compiled snapshots (paths per snapshot-path.ts):
 *   snapshot infra/gw absent | present
 *   snapshot infra/gw routes[infra/web].rules[0].backends[0].weight = 70     YAML value, deep equality
 *   snapshot infra/gw routes[infra/web].attachments[0].hostnames ~= [a, b]  deep equality ignoring array order
 *   snapshot infra/gw routes[infra/web].rules[1] absent
 * Assertions on warnings: `warning <text>` (some warning contains the text).
 */
import { parse } from "yaml";
import { parsePath } from "./snapshot-path.ts";

export type ConditionStatus = "True" | "False" | "Unknown" | "absent";

export type StatusItem =
  | { item: "condition"; type: string; status: ConditionStatus; reason?: string }
  | { item: "attachedRoutes"; count: number }
  | { item: "supportedKinds"; kinds: string[] }
  | { item: "listeners"; count: number }
  | { item: "parents"; count: number }
  | { item: "addresses"; addresses: { type: string; value: string }[] }
  | { item: "statusNone" };

export interface ParentSelector {
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export type Expectation =
  | {
      on: "status";
      text: string;
      kind: string;
      namespace?: string;
      name: string;
      listener?: string;
      parent?: ParentSelector;
      items: StatusItem[];
    }
  | { on: "snapshot"; text: string; gateway: string; path?: string; op: "=" | "~=" | "absent" | "present"; value?: unknown }
  | { on: "warning"; text: string; contains: string };

export interface CaseHeader {
  intent: string;
  bases: string[];
  options: Record<string, unknown>;
  expectations: Expectation[];
}

/** Parses the leading comment block of a case file. Throws with the offending line: a bad header is a test bug. */
export function parseCaseHeader(source: string): CaseHeader {
  const header: CaseHeader = { intent: "", bases: [], options: {}, expectations: [] };
  let last: "case" | "other" = "other";
  for (const raw of source.split("\n")) {
    if (!raw.startsWith("#")) break;
    const line = raw.slice(1).trim();
    const directive = /^(case|base|options|expect):\s*(.*)$/.exec(line);
    if (!directive) {
      if (last === "case" && raw.startsWith("#  ")) header.intent += ` ${line}`;
      else if (line !== "") throw new Error(`unknown header line: ${raw}`);
      continue;
    }
    const [, key, rest = ""] = directive;
    last = key === "case" ? "case" : "other";
    if (key === "case") header.intent = rest;
    else if (key === "base") header.bases.push(...rest.split(",").map((b) => b.trim()).filter(Boolean));
    else if (key === "options") header.options = parseOptions(rest);
    else header.expectations.push(parseExpectation(rest));
  }
  if (!header.intent) throw new Error("case header has no '# case:' line");
  return header;
}

function parseOptions(text: string): Record<string, unknown> {
  const value: unknown = parse(text);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`options must be a map: ${text}`);
  return value as Record<string, unknown>;
}

export function parseExpectation(text: string): Expectation {
  const [head = "", ...rest] = text.trim().split(/\s+/);
  if (head === "snapshot") return parseSnapshotExpectation(text, rest);
  if (head === "warning") return { on: "warning", text, contains: text.trim().slice("warning".length).trim() };
  if (!/^[A-Z][A-Za-z]+$/.test(head) || rest.length < 2) throw new Error(`cannot read expectation: ${text}`);
  const [ref = "", ...tokens] = rest;
  const slash = ref.indexOf("/");
  const expectation: Expectation = {
    on: "status",
    text,
    kind: head,
    name: slash >= 0 ? ref.slice(slash + 1) : ref,
    items: [],
    ...(slash >= 0 ? { namespace: ref.slice(0, slash) } : {}),
  };
  for (const token of tokens) {
    const eq = token.indexOf("=");
    if (eq <= 0) throw new Error(`cannot read "${token}" in: ${text}`);
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (key === "listener") expectation.listener = value;
    else if (key === "parent") expectation.parent = parseParent(value);
    else expectation.items.push(parseStatusItem(key, value, text));
  }
  if (expectation.items.length === 0) throw new Error(`expectation asserts nothing: ${text}`);
  return expectation;
}

function parseStatusItem(key: string, value: string, text: string): StatusItem {
  const count = () => {
    if (!/^\d+$/.test(value)) throw new Error(`${key} needs a number in: ${text}`);
    return Number(value);
  };
  switch (key) {
    case "attachedRoutes":
      return { item: "attachedRoutes", count: count() };
    case "listeners":
      return { item: "listeners", count: count() };
    case "parents":
      return { item: "parents", count: count() };
    case "supportedKinds":
      return { item: "supportedKinds", kinds: value === "-" ? [] : value.split(",") };
    case "addresses":
      return {
        item: "addresses",
        addresses: value.split(",").map((a) => {
          const colon = a.indexOf(":");
          if (colon <= 0) throw new Error(`address must be Type:value in: ${text}`);
          return { type: a.slice(0, colon), value: a.slice(colon + 1) };
        }),
      };
    case "status":
      if (value !== "none") throw new Error(`only status=none is supported: ${text}`);
      return { item: "statusNone" };
    default: {
      if (!/^[A-Z][A-Za-z]+$/.test(key)) throw new Error(`unknown item "${key}" in: ${text}`);
      const m = /^(True|False|Unknown|absent)(?:\/([A-Za-z]+))?$/.exec(value);
      if (!m) throw new Error(`condition must be Type=Status[/Reason] in: ${text}`);
      const status = m[1] as ConditionStatus;
      return m[2] === undefined ? { item: "condition", type: key, status } : { item: "condition", type: key, status, reason: m[2] };
    }
  }
}

function parseParent(text: string): ParentSelector {
  const m = /^(?:([a-z0-9.-]+)\/)?([a-z0-9.-]+)(?:#([a-z0-9.-]+))?(?::(\d+))?$/.exec(text);
  if (!m) throw new Error(`cannot read parent "${text}"`);
  const selector: ParentSelector = { name: m[2]! };
  if (m[1] !== undefined) selector.namespace = m[1];
  if (m[3] !== undefined) selector.sectionName = m[3];
  if (m[4] !== undefined) selector.port = Number(m[4]);
  return selector;
}

function parseSnapshotExpectation(text: string, rest: string[]): Expectation {
  const [gateway = "", pathOrOp = "", ...valueTokens] = rest;
  if (!gateway.includes("/")) throw new Error(`snapshot needs namespace/name: ${text}`);
  if (pathOrOp === "absent" || pathOrOp === "present") {
    if (valueTokens.length) throw new Error(`nothing may follow ${pathOrOp}: ${text}`);
    return { on: "snapshot", text, gateway, op: pathOrOp };
  }
  const steps = parsePath(pathOrOp);
  if (typeof steps === "string") throw new Error(`${steps} in: ${text}`);
  const [op = "", ...valueParts] = valueTokens;
  if (op === "absent" || op === "present") return { on: "snapshot", text, gateway, path: pathOrOp, op };
  if (op !== "=" && op !== "~=") throw new Error(`expected =, ~=, absent or present in: ${text}`);
  // The value is the rest of the line as written, read as YAML (flow maps and lists, quoted strings, null, numbers).
  const valueText = text.slice(text.indexOf(` ${op} `) + op.length + 2).trim();
  if (valueParts.length === 0) throw new Error(`missing value in: ${text}`);
  return { on: "snapshot", text, gateway, path: pathOrOp, op, value: parse(valueText) };
}
