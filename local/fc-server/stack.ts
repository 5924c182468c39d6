/**
 * The whole local stack behind `npm start`: the ENS emulator (unless ENS_ENDPOINT points elsewhere), the demo
 * environment, both built functions loaded once (their cold start reads `process.env`), and the FC server.
 */
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { FcCredentials } from "./context.ts";
import { LocalStackError } from "./errors.ts";
import { type LocalEventBus, startLocalEventBus } from "./event-bus.ts";
import { loadFunctionHandler } from "./function-loader.ts";
import { FUNCTION_SPECS, HTTP_FUNCTION, SERVICE_NAME } from "./functions.ts";
import {
  DEMO_FUNCTION_ENV,
  DEMO_SECURITY_GROUPS,
  envValue,
  LOCAL_DEFAULTS,
  type LocalSettings,
  readLocalSettings,
} from "./local-settings.ts";
import { type FcServer, type FcServerOptions, type LocalFunction, startFcServer } from "./server.ts";
import { startLocalTicketSystems, type TicketSystems } from "./ticket-systems.ts";

/** The part of `local/ens-emulator` the stack uses. */
export interface EmulatorModule {
  startEnsEmulator(options: {
    port?: number;
    host?: string;
    accessKeys?: Array<{ id: string; secret: string; securityToken?: string }>;
    securityGroups?: string[];
  }): Promise<{ url: string; close(): Promise<void> }>;
  parseAccessKeys(spec: string): Array<{ id: string; secret: string; securityToken?: string }> | undefined;
}

/**
 * Options of `startLocalStack`; every field has a default suited to `npm start`. `asyncRetry`, `drainTimeoutMs` and
 * `writeFunctionLog` are handed to the FC server as they are.
 */
export interface LocalStackOptions
  extends Pick<FcServerOptions, "asyncRetry" | "drainTimeoutMs" | "writeFunctionLog"> {
  /** Where `<name>/index.js` bundles live (default `<cwd>/dist`). */
  distDir?: string;
  cwd?: string;
  /** Server and notice lines (default stderr). */
  log?: (line: string) => void;
  /** Replaces the ENS emulator module (tests). */
  emulator?: EmulatorModule;
}

/** A running local stack. */
export interface LocalStack {
  /** URL of the FC server. */
  http: string;
  /** ENS endpoint the functions call. */
  ens: string;
  /** Absolute path of the audit file. */
  audit: string;
  /** True when the embedded emulator runs (ENS_ENDPOINT unset). */
  emulated: boolean;
  /** The embedded Jira emulator, unless TICKET_JIRA_URL points elsewhere. */
  jira: string | null;
  /** The embedded ServiceNow emulator, unless TICKET_SERVICENOW_URL points elsewhere. */
  servicenow: string | null;
  server: FcServer;
  /** Stops the server (bounded drain), then the emulator, and restores the variables it set. */
  close(): Promise<void>;
}

/** The line printed once everything listens (docs/interfaces.md); the ticket emulators' URLs when they run. */
export function formatReadyLine(
  stack: Pick<LocalStack, "http" | "ens" | "audit"> & Partial<Pick<LocalStack, "jira" | "servicenow">>,
): string {
  const tickets = {
    ...(stack.jira ? { jira: stack.jira } : {}),
    ...(stack.servicenow ? { servicenow: stack.servicenow } : {}),
  };
  return `ready ${JSON.stringify({ http: stack.http, ens: stack.ens, audit: stack.audit, ...tickets })}`;
}

function maskKeyId(id: string): string {
  return id.length <= 8 ? `${id.slice(0, 2)}****` : `${id.slice(0, 4)}****${id.slice(-4)}`;
}

async function loadEmulatorModule(): Promise<EmulatorModule> {
  // Loaded only when needed: with ENS_ENDPOINT set the emulator code is never imported.
  const module: EmulatorModule = await import("../ens-emulator/index.ts");
  return module;
}

/** Sets a variable unless the user did, and remembers it so `close` can undo it. */
function createEnvWriter(): {
  setDefault(name: string, value: string): void;
  force(name: string, value: string): void;
  restore(): void;
} {
  const saved = new Map<string, string | undefined>();
  const remember = (name: string): void => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
  };
  return {
    setDefault(name, value) {
      if (envValue(process.env, name) !== undefined) return;
      remember(name);
      process.env[name] = value;
    },
    force(name, value) {
      remember(name);
      process.env[name] = value;
    },
    restore() {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}

function realCredentials(log: (line: string) => void, ensEndpoint: string): FcCredentials {
  const accessKeyId = envValue(process.env, "ALIBABA_CLOUD_ACCESS_KEY_ID");
  const accessKeySecret = envValue(process.env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
  if (accessKeyId === undefined || accessKeySecret === undefined) {
    throw new LocalStackError(
      "LocalConfig",
      "ENS_ENDPOINT is set, so ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set too",
    );
  }
  log(
    `WARNING: ENS_ENDPOINT is set (${ensEndpoint}): the ENS emulator is NOT started and the functions call that ` +
      `endpoint with the REAL credentials from the environment (access key ${maskKeyId(accessKeyId)}). Rules created now are real.`,
  );
  const securityToken = envValue(process.env, "ALIBABA_CLOUD_SECURITY_TOKEN");
  return securityToken === undefined
    ? { accessKeyId, accessKeySecret }
    : { accessKeyId, accessKeySecret, securityToken };
}

function loadFunctions(distDir: string, settings: LocalSettings, cwd: string): LocalFunction[] {
  return FUNCTION_SPECS.map((spec) => ({
    name: spec.name,
    handler: loadFunctionHandler(join(distDir, spec.name, "index.js"), cwd),
    timeoutSeconds: settings.timeoutOverrideSeconds ?? spec.timeoutSeconds,
    memoryMb: spec.memoryMb,
  }));
}

/** Starts the local stack; rejects with a `LocalStackError` whose message is the one line to print. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings = readLocalSettings(process.env, cwd);
  const env = createEnvWriter();
  let emulator: { url: string; close(): Promise<void> } | null = null;
  let tickets: TicketSystems | null = null;
  let bus: LocalEventBus | null = null;
  try {
    let credentials: FcCredentials;
    let ens: string;
    if (settings.ensEndpoint !== null) {
      credentials = realCredentials(log, settings.ensEndpoint);
      ens = settings.ensEndpoint;
    } else {
      const module = options.emulator ?? (await loadEmulatorModule());
      const spec = envValue(process.env, "ENS_EMULATOR_ACCESS_KEYS");
      let keys: Array<{ id: string; secret: string; securityToken?: string }>;
      try {
        keys = (spec === undefined ? undefined : module.parseAccessKeys(spec)) ?? [
          { id: "local-ak", secret: "local-secret" },
        ];
      } catch (cause) {
        throw new LocalStackError("LocalConfig", `ENS_EMULATOR_ACCESS_KEYS: ${(cause as Error).message}`, {
          cause,
        });
      }
      const [key] = keys;
      if (key === undefined)
        throw new LocalStackError("LocalConfig", "ENS_EMULATOR_ACCESS_KEYS names no key");
      emulator = await module.startEnsEmulator({
        port: 0,
        host: "127.0.0.1",
        accessKeys: keys,
        securityGroups: [...DEMO_SECURITY_GROUPS],
      });
      ens = emulator.url;
      credentials = key.securityToken
        ? { accessKeyId: key.id, accessKeySecret: key.secret, securityToken: key.securityToken }
        : { accessKeyId: key.id, accessKeySecret: key.secret };
      if (
        envValue(process.env, "ALIBABA_CLOUD_ACCESS_KEY_ID") !== undefined &&
        process.env.ALIBABA_CLOUD_ACCESS_KEY_ID !== key.id
      ) {
        log(
          "note: ALIBABA_CLOUD_ACCESS_KEY_* are ignored while the emulator runs; the functions use the emulator's key",
        );
      }
      // Real keys would be refused by the emulator; the functions get the emulator's key, whatever the shell holds.
      env.force("ENS_ENDPOINT", ens);
      env.force("ALIBABA_CLOUD_ACCESS_KEY_ID", key.id);
      env.force("ALIBABA_CLOUD_ACCESS_KEY_SECRET", key.secret);
      if (key.securityToken) env.force("ALIBABA_CLOUD_SECURITY_TOKEN", key.securityToken);
      else env.force("ALIBABA_CLOUD_SECURITY_TOKEN", "");
    }
    env.force("AUDIT_FILE", settings.auditFile);
    mkdirSync(dirname(settings.auditFile), { recursive: true });
    for (const [name, value] of Object.entries(DEMO_FUNCTION_ENV)) env.setDefault(name, value);
    env.setDefault("LOCAL_FC_ACCESS_KEY_ID", LOCAL_DEFAULTS.LOCAL_FC_ACCESS_KEY_ID);
    env.setDefault("LOCAL_FC_ACCESS_KEY_SECRET", LOCAL_DEFAULTS.LOCAL_FC_ACCESS_KEY_SECRET);
    env.setDefault("LOCAL_FC_ACCOUNT_ID", LOCAL_DEFAULTS.LOCAL_FC_ACCOUNT_ID);
    // The ticket systems and the audit bus whose rule pushes request summaries to the notifier (docs/tickets.md).
    tickets = await startLocalTicketSystems(env);
    if (envValue(process.env, "AUDIT_EVENTBRIDGE_BUS") === undefined) {
      bus = await startLocalEventBus({
        rules: [{ types: ["ens.egress_request.settled"], functionName: "ticket-notifier" }],
        deadLetterFile: join(dirname(settings.auditFile), "ticket-notifier-dlq.jsonl"),
        log,
      });
      env.force("AUDIT_EVENTBRIDGE_BUS", "ens-egress-audit");
      env.force("AUDIT_EVENTBRIDGE_ENDPOINT", bus.url);
    }

    const functions = loadFunctions(resolve(cwd, options.distDir ?? "dist"), settings, cwd);
    const server = await startFcServer({
      port: settings.port,
      serviceName: SERVICE_NAME,
      httpFunction: HTTP_FUNCTION,
      functions,
      fcKey: { accessKeyId: settings.fcAccessKeyId, accessKeySecret: settings.fcAccessKeySecret },
      accountId: settings.accountId,
      region: settings.region,
      credentials,
      logProject: "ens-egress-local",
      logStore: "function-logs",
      ...(options.asyncRetry ? { asyncRetry: options.asyncRetry } : {}),
      ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
      log,
      ...(options.writeFunctionLog ? { writeFunctionLog: options.writeFunctionLog } : {}),
    });
    bus?.setTarget({
      url: server.url,
      serviceName: SERVICE_NAME,
      accountId: settings.accountId,
      accessKeyId: settings.fcAccessKeyId,
      accessKeySecret: settings.fcAccessKeySecret,
    });
    const running = emulator;
    const runningBus = bus;
    const runningTickets = tickets;
    let closing: Promise<void> | null = null;
    return {
      http: server.url,
      ens,
      audit: settings.auditFile,
      emulated: running !== null,
      jira: runningTickets.jira,
      servicenow: runningTickets.servicenow,
      server,
      close() {
        closing ??= (async () => {
          try {
            await server.close();
          } finally {
            await runningBus?.close();
            await runningTickets.close();
            await running?.close();
            env.restore();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await bus?.close();
    await tickets?.close();
    await emulator?.close();
    env.restore();
    throw error;
  }
}
