/**
 * The load generator of the proxy benches, as one long-lived process (load.ts forks it once per bench): each IPC
 * message runs one autocannon load and answers with its result. Starting a Node process per load costs about a
 * second of CPU on the machine under test and made loads shorter than several seconds unfair; with one process,
 * loads of 1-2 s can alternate between the two workers, so the two halves of a pair see the same machine.
 */
import autocannon from "autocannon";

export interface LoadRequest {
  url: string;
  connections: number;
  seconds: number;
  host: string;
}

export interface LoadResult {
  /** Seconds the load ran. */
  duration: number;
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

process.on("message", (message: LoadRequest) => {
  autocannon({ url: message.url, connections: message.connections, duration: message.seconds, headers: { host: message.host } }, (error, result) => {
    if (error) process.send!({ error: String(error) });
    else process.send!({ duration: result.duration, requests: result.requests, latency: result.latency, non2xx: result.non2xx, errors: result.errors } satisfies LoadResult);
  });
});
