/**
 * The `edgeway` command. Each subcommand lives in its own module (`./<name>.ts`), loaded on demand so that the
 * commands stay independent: a module exports its entry as `default` (or `run<Name>`), taking the arguments after
 * the subcommand and resolving to the process exit code.
 */

const COMMANDS: Record<string, string> = {
  compile: "translate Gateway API manifests into snapshots and status (files or directories)",
  push: "publish compiled snapshots to Workers KV (or the local KV `wrangler dev` reads)",
  agent: "run in-cluster: watch the API server, publish snapshots, write status",
  explain: "show which listener, route and rule a request would match",
};

type Entry = (argv: string[]) => Promise<number> | number;

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
  return ["usage: edgeway <command> [options]", "", "commands:", ...lines, "", "Run `edgeway <command> --help` for a command's options."].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${usage()}\n`);
    return command === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    process.stderr.write(`edgeway: unknown command "${command}"\n${usage()}\n`);
    return 2;
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(`./${command}.ts`)) as Record<string, unknown>;
  } catch (error) {
    if (isModuleNotFound(error)) {
      process.stderr.write(`edgeway: the "${command}" command is not available in this build\n`);
      return 2;
    }
    throw error;
  }
  const entry = (module.default ?? module[`run${command[0]!.toUpperCase()}${command.slice(1)}`]) as Entry | undefined;
  if (typeof entry !== "function") {
    process.stderr.write(`edgeway: the "${command}" command has no entry point\n`);
    return 2;
  }
  return await entry(rest);
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

// This module is the program: `bin/edgeway.mjs` and `npm run edgeway` both load it to run the command line.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`edgeway: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
