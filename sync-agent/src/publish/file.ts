/**
 * The file publisher: the KV layout as a directory tree (`<dir>/edgeway/v1/snapshots/<sha256>`,
 * `<dir>/edgeway/v1/gateways/<ns>/<name>/pointer`). Each value is written to a temporary file and renamed into place
 * (rename is atomic on POSIX), so a reader never sees half a blob or half a pointer, and writes happen in the
 * order given (blob before pointer). Useful for inspection, for syncing to object storage, and in tests.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { KvStore } from "./publisher.ts";

export class FileKvStore implements KvStore {
  readonly root: string;
  private seq = 0;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async get(key: string): Promise<string | null> {
    try {
      return await readFile(this.pathOf(key), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async put(entries: { key: string; value: Uint8Array | string }[]): Promise<void> {
    for (const { key, value } of entries) {
      const path = this.pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.tmp-${process.pid}-${this.seq++}`;
      await writeFile(tmp, value);
      await rename(tmp, path);
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!e.name.includes(".tmp-")) out.push(relative(this.root, full).split(sep).join("/"));
      }
    };
    await walk(this.root);
    return out.filter((k) => k.startsWith(prefix)).sort();
  }

  /** Maps a key to a path under root; keys with empty, "." or ".." segments could escape it and are refused. */
  private pathOf(key: string): string {
    const segments = key.split("/");
    if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\\") || s.includes("\0"))) {
      throw new Error(`key ${JSON.stringify(key)} cannot be stored as a file`);
    }
    return join(this.root, ...segments);
  }
}
