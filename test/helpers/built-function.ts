import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const requireFromHere = createRequire(import.meta.url);

/** The FC 3.0 handler of a built bundle. */
export type BuiltHandler = (...args: unknown[]) => Promise<unknown>;

/**
 * Loads `dist/<name>/index.js` as FC would: a fresh module instance whose cold start reads `env`. The environment
 * is restored afterwards; the bundle keeps the configuration it read at load, like a real instance.
 */
export function loadBuiltFunction(
  name: "http-intake" | "queue-worker" | "ticket-notifier",
  env: Record<string, string>,
): BuiltHandler {
  const path = resolve("dist", name, "index.js");
  const saved = { ...process.env };
  delete requireFromHere.cache[path];
  try {
    for (const key of Object.keys(process.env)) {
      if (
        /^(ENS_|RETRY_|AUDIT_|API_TOKENS|JIRA_|SERVICENOW_|STANDARD_WEBHOOK|POLICY_|QUEUE_|MAX_BODY|ALIBABA_CLOUD_|WEBHOOK_|TICKET_)/.test(
          key,
        )
      ) {
        delete process.env[key];
      }
    }
    Object.assign(process.env, env);
    const module = requireFromHere(path) as { handler: BuiltHandler };
    return module.handler;
  } finally {
    delete requireFromHere.cache[path];
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** An FC-like context (docs/fc-conventions.md). */
export function createFcContext(options: {
  timeoutSeconds?: number;
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  functionName?: string;
  requestId?: string;
}): Record<string, unknown> {
  const requestId = options.requestId ?? randomUUID();
  return {
    requestId,
    credentials: options.credentials ?? { accessKeyId: "", accessKeySecret: "", securityToken: "" },
    function: {
      name: options.functionName ?? "queue-worker",
      handler: "index.handler",
      memory: 512,
      timeout: options.timeoutSeconds ?? 30,
    },
    service: { name: "ens-egress", logProject: "", logStore: "", qualifier: "LATEST", versionId: "" },
    region: "cn-hangzhou",
    accountId: "1234567890123456",
    logger: console,
  };
}
