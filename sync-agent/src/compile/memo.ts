/**
 * CompileMemo: what compileSnapshots() may keep between calls. A route's compiled form (its snapshot Route and the
 * UTF-8 canonical JSON of its wire form) is a function of the route's IR object and of its Gateway's listener names (which
 * become listener indexes), so it is reused for the same IR object on a Gateway with the same listeners. The
 * translator hands back the same IR object for a route it did not translate again (translate/memo.ts), which is how a
 * change to one route among thousands costs one route's compile plus the work done for the whole snapshot (route
 * table, framing, hashing).
 *
 * IR objects are never changed once built (the compiler and the translator share them read-only), so identity is
 * enough. A route is remembered only once its whole snapshot compiled without an IR problem.
 */
import type { Route } from "../../../schema/snapshot.ts";
import type { RouteIR } from "../ir/types.ts";

export interface RememberedCompile {
  route: Route;
  /** JSON.stringify of the route's wire form (its canonical JSON, route.ts), as UTF-8. */
  json: Uint8Array;
}

interface GatewayMemo {
  listeners: string;
  routes: Map<RouteIR, RememberedCompile>;
}

export class CompileMemo {
  private gateways = new Map<string, GatewayMemo>();
  private next = new Map<string, GatewayMemo>();
  /** Routes reused and compiled in the last call (metrics, tests). */
  readonly last = { reused: 0, compiled: 0 };

  begin(): void {
    this.next = new Map();
    this.last.reused = 0;
    this.last.compiled = 0;
  }

  /** The memo of one Gateway for this call: `recall` and `remember` its routes. */
  gateway(key: string, listenerNames: readonly string[]): GatewayCompileMemo {
    const listeners = listenerNames.join("\n");
    const previous = this.gateways.get(key);
    const old = previous !== undefined && previous.listeners === listeners ? previous.routes : undefined;
    const routes = new Map<RouteIR, RememberedCompile>();
    this.next.set(key, { listeners, routes });
    const last = this.last;
    return {
      recall(route) {
        const remembered = old?.get(route);
        if (remembered !== undefined) {
          routes.set(route, remembered);
          last.reused++;
        }
        return remembered;
      },
      remember(route, compiled) {
        routes.set(route, compiled);
        last.compiled++;
      },
    };
  }

  /** Ends a call whose snapshots all compiled: Gateways and routes not met in it are forgotten. */
  commit(): void {
    this.gateways = this.next;
    this.next = new Map();
  }
}

export interface GatewayCompileMemo {
  recall(route: RouteIR): RememberedCompile | undefined;
  remember(route: RouteIR, compiled: RememberedCompile): void;
}
