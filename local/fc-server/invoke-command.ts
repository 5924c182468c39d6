/**
 * `npm run invoke -- <function> <event-file> [flags]`: invokes a function with `@alicloud/fc2` (the SDK users would
 * call), against the local stack by default or a real deployment with `--endpoint`, `--account-id` and `--region`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { SERVICE_NAME } from "./functions.ts";
import { LOCAL_DEFAULTS } from "./local-settings.ts";

/** Where and how to invoke. */
export interface InvokeTarget {
  functionName: string;
  eventFile: string;
  async: boolean;
  tailLog: boolean;
  service: string;
  qualifier: string | null;
  accountId: string;
  region: string;
  /** Null lets the SDK derive `https://<account>.<region>.fc.aliyuncs.com`. */
  endpoint: string | null;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string | null;
  /** True when the target is the local stack. */
  local: boolean;
}

/** A usage mistake; the message says what to fix. */
export class InvokeUsageError extends Error {
  readonly code = "InvokeUsageError";
  constructor(message: string) {
    super(message);
    this.name = "InvokeUsageError";
  }
}

/** The usage text printed on a usage error. */
export const INVOKE_USAGE = [
  "usage: npm run invoke -- <function> <event-file|-> [--async] [--log] [--service <name>] [--qualifier <q>]",
  "                         [--endpoint <url>] [--account-id <id>] [--region <region>]",
  "Without --account-id/--region it invokes the local stack at http://127.0.0.1:$PORT with the LOCAL_FC_* key.",
  "With them it invokes a real deployment using ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (/ _SECURITY_TOKEN).",
].join("\n");

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text ? text : undefined;
}

/** Parses the command line and environment into a target; throws `InvokeUsageError`. */
export function parseInvokeArgs(argv: readonly string[], env: Env): InvokeTarget {
  let parsed: ReturnType<typeof parseInvokeOptions>;
  try {
    parsed = parseInvokeOptions(argv);
  } catch (error) {
    throw new InvokeUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [functionName, eventFile, ...extra] = positionals;
  if (functionName === undefined || eventFile === undefined || extra.length > 0) {
    throw new InvokeUsageError("expected exactly two arguments: <function> <event-file>");
  }
  const common = {
    functionName,
    eventFile,
    async: values.async === true,
    tailLog: values.log === true,
    service: values.service ?? SERVICE_NAME,
    qualifier: values.qualifier ?? null,
  };
  const remote =
    values.endpoint !== undefined || values["account-id"] !== undefined || values.region !== undefined;
  if (!remote) {
    return {
      ...common,
      accountId: value(env, "LOCAL_FC_ACCOUNT_ID") ?? LOCAL_DEFAULTS.LOCAL_FC_ACCOUNT_ID,
      region: value(env, "LOCAL_FC_REGION") ?? LOCAL_DEFAULTS.LOCAL_FC_REGION,
      endpoint: `http://127.0.0.1:${value(env, "PORT") ?? LOCAL_DEFAULTS.PORT}`,
      accessKeyId: value(env, "LOCAL_FC_ACCESS_KEY_ID") ?? LOCAL_DEFAULTS.LOCAL_FC_ACCESS_KEY_ID,
      accessKeySecret: value(env, "LOCAL_FC_ACCESS_KEY_SECRET") ?? LOCAL_DEFAULTS.LOCAL_FC_ACCESS_KEY_SECRET,
      securityToken: null,
      local: true,
    };
  }
  const accountId = values["account-id"];
  const region = values.region;
  if (accountId === undefined || region === undefined) {
    throw new InvokeUsageError(
      "a real deployment needs both --account-id and --region (--endpoint is optional)",
    );
  }
  const accessKeyId = value(env, "ALIBABA_CLOUD_ACCESS_KEY_ID");
  const accessKeySecret = value(env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
  if (accessKeyId === undefined || accessKeySecret === undefined) {
    throw new InvokeUsageError(
      "a real deployment needs ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET in the environment",
    );
  }
  if (values.endpoint !== undefined && !URL.canParse(values.endpoint)) {
    throw new InvokeUsageError(
      "--endpoint must be a URL, e.g. https://<account>.cn-hangzhou.fc.aliyuncs.com",
    );
  }
  return {
    ...common,
    accountId,
    region,
    endpoint: values.endpoint ?? null,
    accessKeyId,
    accessKeySecret,
    securityToken: value(env, "ALIBABA_CLOUD_SECURITY_TOKEN") ?? null,
    local: false,
  };
}

function parseInvokeOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      async: { type: "boolean" },
      log: { type: "boolean" },
      service: { type: "string" },
      qualifier: { type: "string" },
      endpoint: { type: "string" },
      "account-id": { type: "string" },
      region: { type: "string" },
    },
  });
}

interface Fc2Response {
  headers: Record<string, string | string[] | undefined>;
  data: unknown;
}
interface Fc2Client {
  invokeFunction(
    service: string,
    functionName: string,
    event: Buffer,
    headers?: Record<string, string>,
    qualifier?: string,
  ): Promise<Fc2Response>;
}
type Fc2ClientConstructor = new (
  accountId: string,
  config: Record<string, string | number | boolean | undefined>,
) => Fc2Client;

/** Where the command writes. */
export interface InvokeIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Buffer;
}

function header(response: Fc2Response, name: string): string | undefined {
  const raw = response.headers[name];
  return Array.isArray(raw) ? raw.join(",") : raw;
}

function show(data: unknown): string {
  if (typeof data === "string") return data;
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  return JSON.stringify(data, null, 2);
}

/** Runs one invocation and prints the response; resolves to the exit code (1 on a function or API error). */
export async function runInvoke(target: InvokeTarget, io: InvokeIo): Promise<number> {
  const event = target.eventFile === "-" ? io.readStdin() : readFileSync(target.eventFile);
  // The SDK is CommonJS without types; loading it through require keeps the typing to what we call.
  const FcClient = createRequire(import.meta.url)("@alicloud/fc2") as Fc2ClientConstructor;
  const client = new FcClient(target.accountId, {
    accessKeyID: target.accessKeyId,
    accessKeySecret: target.accessKeySecret,
    securityToken: target.securityToken ?? undefined,
    region: target.region,
    secure: target.endpoint === null ? true : undefined,
    endpoint: target.endpoint ?? undefined,
    // Longer than the longest function timeout (queue-worker, 120 s), so a slow function is not cut by the client.
    timeout: 180_000,
  });
  const headers: Record<string, string> = { "x-fc-invocation-type": target.async ? "Async" : "Sync" };
  if (target.tailLog) headers["x-fc-log-type"] = "Tail";
  let response: Fc2Response;
  try {
    response = await client.invokeFunction(
      target.service,
      target.functionName,
      event,
      headers,
      target.qualifier ?? undefined,
    );
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: "Error", message: String(error) };
    io.stderr(`error: ${name}: ${message}\n`);
    if (target.local && /ECONNREFUSED/.test(message))
      io.stderr("is the local stack running? start it with: npm start\n");
    return 1;
  }
  const requestId = header(response, "x-fc-request-id") ?? "unknown";
  const log = header(response, "x-fc-log-result");
  if (log) io.stderr(Buffer.from(log, "base64").toString("utf8"));
  if (target.async) {
    io.stdout(`accepted: asynchronous invocation ${requestId}\n`);
    return 0;
  }
  const errorType = header(response, "x-fc-error-type");
  io.stdout(`${show(response.data)}\n`);
  if (errorType) {
    io.stderr(`function error (${errorType}), request id ${requestId}\n`);
    return 1;
  }
  io.stderr(`ok, request id ${requestId}\n`);
  return 0;
}
