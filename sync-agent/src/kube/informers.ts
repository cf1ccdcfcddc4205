/**
 * One reflector per watched kind, sharing the change callback. `objects()` is the world the translator sees: every
 * cached object of every kind, in a stable order (the translator sorts anyway; a stable input makes logs diffable).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "../translate/api.ts";
import { Reflector, type ReflectorOptions } from "./reflector.ts";
import { cachedForm, listFunction, WATCHED_RESOURCES, type WatchedResource } from "./resources.ts";

export class InformerSet {
  readonly reflectors: Reflector[];

  constructor(
    kc: KubeConfig,
    onChange: (resource: WatchedResource) => void,
    options: ReflectorOptions,
    resources: WatchedResource[] = WATCHED_RESOURCES,
  ) {
    this.reflectors = resources.map((r) => new Reflector(kc, r, listFunction(kc, r), onChange, { transform: cachedForm, ...options }));
  }

  start(): void {
    for (const r of this.reflectors) r.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.reflectors.map((r) => r.stop()));
  }

  /** True once every kind has completed its first list (the /readyz condition). */
  hasSynced(): boolean {
    return this.reflectors.every((r) => r.hasSynced());
  }

  objects(): KubeObject[] {
    return this.reflectors.flatMap((r) => r.list());
  }

  get(kind: string): Reflector | undefined {
    return this.reflectors.find((r) => r.resource.kind === kind);
  }
}
