import { parseArgs } from "node:util";
import { type AccessKeyConfig, parseAccessKeys } from "./access-keys.ts";
import type { EnsEmulatorOptions } from "./index.ts";

/** Usage text printed by `--help` and after a bad argument. */
export const USAGE = `Usage: npm run emulator -- [options]
  --port <p>              port on 127.0.0.1 (default 0: a free port)
  --host <addr>           address to bind (default 127.0.0.1)
  --seed <n>              PRNG seed for faults and jitter (default 1)
  --latency-ms <ms>       time from a call's arrival to its answer (default 0)
  --jitter-ms <ms>        extra random latency, 0..ms (default 0)
  --access-key <spec>     id:secret[:securityToken]; repeatable or comma-separated
                          (default ENS_EMULATOR_ACCESS_KEYS, else local-ak:local-secret)
  --deny <id>:<Action>    answer NoPermission to that key for that action; repeatable
  --security-group <id>   create an empty group at start; repeatable or comma-separated
  --rule-quota <n>        rules per group before AuthorizationLimitExceed (default 200)
Prints: ready {"ens":"http://127.0.0.1:<port>"}`;

/** A command line that cannot be used; the message says which option. */
export class CliArgsError extends Error {
  /** Always `InvalidArguments`. */
  readonly code = "InvalidArguments";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CliArgsError";
  }
}

function wholeNumber(name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > max)
    throw new CliArgsError(`--${name}: expected a whole number 0-${max}`);
  return Number(text);
}

/** Parses the CLI's arguments into emulator options; `help` is true when usage was asked for. */
export function parseCliArgs(argv: string[]): { help: boolean; options: EnsEmulatorOptions } {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new CliArgsError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const options: EnsEmulatorOptions = {};
  const port = wholeNumber("port", values.port, 65535);
  if (port !== undefined) options.port = port;
  if (values.host !== undefined) options.host = values.host;
  if (values.seed !== undefined) {
    if (!/^-?\d+$/.test(values.seed)) throw new CliArgsError("--seed: expected an integer");
    options.seed = Number(values.seed);
  }
  const latency = wholeNumber("latency-ms", values["latency-ms"], 600_000);
  if (latency !== undefined) options.latencyMs = latency;
  const jitter = wholeNumber("jitter-ms", values["jitter-ms"], 600_000);
  if (jitter !== undefined) options.jitterMs = jitter;
  const quota = wholeNumber("rule-quota", values["rule-quota"], 1_000_000);
  if (quota !== undefined) options.ruleQuota = quota;

  const keySpecs = values["access-key"] ?? [];
  let keys: AccessKeyConfig[] | undefined;
  if (keySpecs.length > 0) keys = keySpecs.flatMap((spec) => parseAccessKeys(spec));
  const denies = values.deny ?? [];
  if (denies.length > 0) {
    keys ??= parseAccessKeys(process.env.ENS_EMULATOR_ACCESS_KEYS?.trim() || "local-ak:local-secret");
    for (const deny of denies) {
      const [id, action, ...rest] = deny.split(":");
      const key = keys.find((k) => k.id === id);
      if (!id || !action || rest.length > 0 || !key) {
        throw new CliArgsError(`--deny ${deny}: expected <configured access key id>:<Action>`);
      }
      key.deniedActions = [...(key.deniedActions ?? []), action];
    }
  }
  if (keys) options.accessKeys = keys;
  const groups = (values["security-group"] ?? []).flatMap((spec) =>
    spec
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean),
  );
  if (groups.length > 0) options.securityGroups = groups;
  return { help: values.help === true, options };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      seed: { type: "string" },
      "latency-ms": { type: "string" },
      "jitter-ms": { type: "string" },
      "access-key": { type: "string", multiple: true },
      deny: { type: "string", multiple: true },
      "security-group": { type: "string", multiple: true },
      "rule-quota": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
