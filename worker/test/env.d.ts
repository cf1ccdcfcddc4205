declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../src/index.ts");
  }
  interface Env {
    EDGEWAY_KV: KVNamespace;
    EDGEWAY_GATEWAY: string;
    EDGEWAY_SNAPSHOT_KEY: string;
    EDGEWAY_STATUS_TOKEN: string;
  }
}
