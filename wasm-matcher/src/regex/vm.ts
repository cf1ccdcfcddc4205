/**
 * The Pike VM in TypeScript over the same program bytes as the AS VM (assembly/regex.ts): the reference matcher's
 * oracle. The two must agree on every program and input (wasm-matcher/test/regex-vm.test.ts checks it).
 */

/**
 * Full match of `input` (a string is encoded as UTF-8; bytes are used as given) against a program from `compileRegex`.
 * Time O(input length x instructions), memory O(instructions).
 */
export function regexFullMatchJs(program: Uint8Array, input: string | Uint8Array): boolean {
  void program;
  void input;
  throw new Error("regexFullMatchJs: not implemented yet");
}
