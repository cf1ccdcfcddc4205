/** A KubeConfig for the real @kubernetes/client-node pointing at a fake API server on 127.0.0.1. */
import { KubeConfig } from "@kubernetes/client-node";

export function kubeConfigFor(server: string, token = "fake-token"): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "fake", server, skipTLSVerify: true }],
    users: [{ name: "fake", token }],
    contexts: [{ name: "fake", cluster: "fake", user: "fake" }],
    currentContext: "fake",
  });
  return kc;
}
