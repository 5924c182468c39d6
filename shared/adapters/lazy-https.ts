/**
 * `node:https` costs about 7 ms to load (it pulls in TLS), more than our whole signer. The functions only need it
 * when an endpoint really is https, so it is loaded on first use instead of at cold start.
 */
type HttpsModule = typeof import("node:https");

let loading: Promise<HttpsModule> | undefined;
let loaded: HttpsModule | undefined;

/** Loads `node:https` once; later calls get the same module. */
export async function loadHttps(): Promise<HttpsModule> {
  loading ??= import("node:https").then((module) => {
    loaded = module;
    return module;
  });
  return loading;
}

/** The module if `loadHttps` already resolved, else undefined (for synchronous fast paths). */
export function loadedHttps(): HttpsModule | undefined {
  return loaded;
}
