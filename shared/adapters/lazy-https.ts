/**
 * `node:https` is expensive to load (it pulls in TLS; bench/BENCH.md has the figure). The functions only need it
 * when an endpoint really is https, so it is loaded on first use instead of at cold start.
 */
type HttpsModule = typeof import("node:https");

let loading: Promise<HttpsModule> | undefined;

/** Loads `node:https` once; later calls get the same module. */
export function loadHttps(): Promise<HttpsModule> {
  loading ??= import("node:https");
  return loading;
}
