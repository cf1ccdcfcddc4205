/**
 * The benchmark's baseline: the least a Worker can do to proxy, `fetch()` the same origin with the same path and
 * headers. proxy.bench.ts compares the edgeway worker against it in the same workerd.
 */
interface Env {
  ORIGIN: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const incoming = new URL(request.url);
    const target = new URL(env.ORIGIN);
    target.pathname = incoming.pathname;
    target.search = incoming.search;
    return fetch(new Request(target, request));
  },
};
