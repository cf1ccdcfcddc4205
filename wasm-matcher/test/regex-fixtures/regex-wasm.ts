/**
 * Builds the regex VM (assembly/regex.ts, through the test-only entry assembly/regex-entry.ts) with the
 * AssemblyScript compiler's JS API, with the same flags as the matcher build (-O3, --runtime stub, --noAssert), and
 * wraps it for tests and benches. Nothing is written to disk.
 */
import asc from "assemblyscript/asc";
import { fileURLToPath } from "node:url";

interface RegexExports {
  memory: WebAssembly.Memory;
  regexFullMatch(prog: number, input: number, inputLen: number, scratch: number): number;
  regexPikeMatch(prog: number, input: number, inputLen: number, scratch: number): number;
  regexDfaMatch(prog: number, input: number, inputLen: number, scratch: number): number;
  regexLastEngine(): number;
  regexScratchBytes(instCount: number): number;
  regexInstCount(prog: number): number;
  heapBase(): number;
}

export interface RegexWasm {
  exports: RegexExports;
  /**
   * Lays program, scratch and input out in wasm memory; the returned thunk runs `regexFullMatch` (Pike VM or lazy DFA,
   * as the matcher gets it) or, with engine "pike" / "dfa", the Pike VM / the lazy DFA alone.
   */
  prepare(program: Uint8Array, input: Uint8Array, engine?: Engine): () => boolean;
  fullMatch(program: Uint8Array, input: Uint8Array, engine?: Engine): boolean;
  /** Which engine decided the last "auto" run: 0 Pike VM, 1 lazy DFA, 2 DFA then Pike VM. */
  lastEngine(): number;
}

export type Engine = "auto" | "pike" | "dfa";

const entry = fileURLToPath(new URL("../../assembly/regex-entry.ts", import.meta.url));

export async function buildRegexWasm(): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  const stderr: string[] = [];
  const result = await asc.main([entry, "-o", "regex.wasm", "-O3", "--runtime", "stub", "--noAssert"], {
    writeFile(name, contents) {
      if (name.endsWith(".wasm") && typeof contents !== "string") binary = contents;
    },
    stderr: { write: (s: string | Uint8Array) => stderr.push(String(s)) } as never,
  });
  if (result.error !== null || binary === null) throw new Error(`asc failed: ${result.error?.message ?? ""}\n${stderr.join("")}`);
  return binary;
}

export async function loadRegexWasm(): Promise<RegexWasm> {
  const module = await WebAssembly.compile(new Uint8Array(await buildRegexWasm()));
  const instance = await WebAssembly.instantiate(module, { env: { abort: () => { throw new Error("abort"); } } });
  const exports = instance.exports as unknown as RegexExports;
  const align = (n: number): number => (n + 15) & ~15;

  function prepare(program: Uint8Array, input: Uint8Array, engine: Engine = "auto"): () => boolean {
    const prog = align(exports.heapBase());
    const scratch = align(prog + program.length);
    const at = align(scratch + exports.regexScratchBytes(instCount(program)));
    const end = at + input.length;
    const memory = exports.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    const bytes = new Uint8Array(memory.buffer);
    bytes.set(program, prog);
    bytes.set(input, at);
    const len = input.length;
    const run = engine === "pike" ? exports.regexPikeMatch : engine === "dfa" ? exports.regexDfaMatch : exports.regexFullMatch;
    return () => run(prog, at, len, scratch) !== 0;
  }

  return {
    exports,
    prepare,
    fullMatch: (program, input, engine) => prepare(program, input, engine)(),
    lastEngine: () => exports.regexLastEngine(),
  };
}

function instCount(program: Uint8Array): number {
  return new DataView(program.buffer, program.byteOffset, program.byteLength).getUint32(4, true);
}
