/**
 * CompileMemo: what compileSnapshots() may keep between calls. A route's compiled form (its snapshot Route and the
 * UTF-8 canonical JSON of its wire form) is a function of the route's IR object and of its Gateway's listener names (which
 * become listener indexes), so it is reused for the same IR object on a Gateway with the same listeners. The
 * translator hands back the same IR object for a route it did not translate again (translate/memo.ts), which is how a
 * change to one route among thousands costs one route's compile plus the work done for the whole snapshot (route
 * table, framing, hashing).
 *
 * IR objects are never changed once built (the compiler and the translator share them read-only), so identity is
 * enough.
 */
import type { Route } from "../../../schema/snapshot.ts";
import type { RouteIR } from "../ir/types.ts";

export interface RememberedCompile {
  route: Route;
  /** "," and JSON.stringify of the route's wire form (its canonical JSON, route.ts), as UTF-8. */
  json: Uint8Array;
}

interface Entry extends RememberedCompile {
  /** The call that last met this route. */
  seen: number;
}

interface GatewayMemo {
  /** The listener names the remembered routes were compiled against (they become listener indexes). */
  listeners: string;
  routes: Map<RouteIR, Entry>;
  seen: number;
}

export class CompileMemo {
  private gateways = new Map<string, GatewayMemo>();
  private call = 0;
  /** Routes reused and compiled in the last call (metrics, tests). */
  readonly last = { reused: 0, compiled: 0 };

  begin(): void {
    this.call++;
    this.last.reused = 0;
    this.last.compiled = 0;
  }

  /** The memo of one Gateway for this call: `recall` and `remember` its routes. */
  gateway(key: string, listenerNames: readonly string[]): GatewayCompileMemo {
    const listeners = listenerNames.join("\n");
    let memo = this.gateways.get(key);
    if (memo === undefined || memo.listeners !== listeners) this.gateways.set(key, (memo = { listeners, routes: new Map(), seen: 0 }));
    memo.seen = this.call;
    const { routes } = memo;
    const call = this.call;
    const last = this.last;
    return {
      recall(route) {
        const remembered = routes.get(route);
        if (remembered !== undefined) {
          remembered.seen = call;
          last.reused++;
        }
        return remembered;
      },
      remember(route, compiled) {
        routes.set(route, { route: compiled.route, json: compiled.json, seen: call });
        last.compiled++;
      },
    };
  }

  /**
   * Ends a call whose snapshots all compiled: Gateways and routes not met in it are forgotten. (A call that threw
   * forgets nothing: what it remembered holds for the IR objects and listener names it was compiled from.)
   */
  commit(): void {
    for (const [key, memo] of this.gateways) {
      if (memo.seen !== this.call) {
        this.gateways.delete(key);
        continue;
      }
      for (const [route, entry] of memo.routes) if (entry.seen !== this.call) memo.routes.delete(route);
    }
  }
}

export interface GatewayCompileMemo {
  recall(route: RouteIR): RememberedCompile | undefined;
  remember(route: RouteIR, compiled: RememberedCompile): void;
}
