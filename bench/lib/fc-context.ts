/**
 * An FC 3.0-like invocation context (docs/fc-conventions.md) for calling a built handler outside FC.
 * Credentials come from the context, as on FC, so the bundle's environment needs no secret.
 */
import { randomUUID } from "node:crypto";

/** The emulator's default access key (docs/interfaces.md). */
export const BENCH_CREDENTIALS = { accessKeyId: "local-ak", accessKeySecret: "local-secret" } as const;

/** Builds the context of one invocation with a fresh request id. */
export function createBenchContext(timeoutSeconds = 60): Record<string, unknown> {
  return {
    requestId: randomUUID(),
    credentials: { ...BENCH_CREDENTIALS, securityToken: "" },
    function: { name: "queue-worker", handler: "index.handler", memory: 512, timeout: timeoutSeconds },
    service: { name: "ens-egress", logProject: "", logStore: "", qualifier: "LATEST", versionId: "" },
    region: "cn-hangzhou",
    accountId: "1234567890123456",
  };
}

/** The environment a bench child gives the bundle: emulator endpoint, quiet logs, no audit file. */
export function bundleEnv(ensUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ENS_ENDPOINT: ensUrl, LOG_LEVEL: "error", ...extra };
}
