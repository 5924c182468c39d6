/**
 * The composition root shared by both functions (the only place that builds adapters). Configuration, the policy, the ENS client (with its keep-alive
 * agent) and the static sinks are built once per instance at cold start; per-invocation pieces (credentials,
 * deadlines, correlation fields, the EventBridge sink that signs with the invocation's STS credentials) are built in
 * `startInvocation`, so no request state lives at module scope.
 */

import bundledPolicy from "../../policy/policy.json" with { type: "json" };
import { createAuditTrail } from "../adapters/audit/audit-trail.ts";
import { createEventBridgeSink } from "../adapters/audit/eventbridge-sink.ts";
import { createFileSink } from "../adapters/audit/file-sink.ts";
import { createHttpSink } from "../adapters/audit/http-sink.ts";
import { createLogSink } from "../adapters/audit/log-sink.ts";
import { createEnsTransport } from "../adapters/ens/http-ens-transport.ts";
import { createEnsClient } from "../adapters/ens/retrying-ens-client.ts";
import { createLogger, type RedactingLogger } from "../adapters/logger.ts";
import { type Config, configSecrets, loadConfig } from "../config.ts";
import { DEFAULT_POLICY, type Policy, PolicyConfigError, parsePolicy } from "../domain/policy.ts";
import type { AuditSink, Clock, Credentials, EnsClient } from "../ports.ts";
import type { AuthorizeDeps, InvocationBudget } from "../use-cases/authorize-egress-request.ts";
import { createIntakeMemory, type IntakeMemory } from "./intake-memory.ts";

/** The part of the FC context the functions read (docs/fc-conventions.md). */
export interface FcContext {
  requestId: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string } | null;
  function?: { name?: string; timeout?: number } | null;
  /** FC 2.0 names the function's service here; FC 3.0 functions have no service, so `name` is absent. */
  service?: { name?: string } | null;
  region?: string;
  accountId?: string;
}

/** When FC gives no timeout (direct calls in tests), assume FC's default for HTTP functions. */
const FALLBACK_TIMEOUT_SECONDS = 60;
/** Keep this much before the hard deadline even for the audit sinks, so the function returns before FC kills it. */
const FINAL_MARGIN_MS = 250;

function loadPolicy(config: Config): Policy {
  if (config.policyJson !== null) {
    let json: unknown;
    try {
      json = JSON.parse(config.policyJson);
    } catch (cause) {
      const message = `not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`;
      throw new PolicyConfigError("POLICY_JSON", [{ path: "(document)", message }], { cause });
    }
    return parsePolicy(json, "POLICY_JSON");
  }
  return bundledPolicy === null ? DEFAULT_POLICY : parsePolicy(bundledPolicy, "policy/policy.json");
}

/** Everything built once per instance. */
export interface Runtime {
  config: Config;
  policy: Policy;
  logger: RedactingLogger;
  /** Secret values from the configuration, never to be written anywhere. */
  secrets: readonly string[];
  ens: AuthorizeDeps["ens"];
  staticSinks: AuditSink[];
  /** What http-intake remembers between invocations of this instance (Idempotency-Keys, a refusal count). */
  intake: IntakeMemory;
  clock: Clock;
  /** The audit log line writer, always on. */
  logSink: AuditSink;
}

/**
 * What a test may put in place of the real adapters, without mocking modules: the ENS client, the static audit
 * sinks, where log lines and audit log lines go, and the clock.
 */
export interface RuntimeOverrides {
  ens?: EnsClient;
  sinks?: AuditSink[];
  /** Receives each logger line and each audit log line (default: stdout). */
  writeLine?: (line: string) => void;
  clock?: Clock;
}

/** Builds the runtime from the environment; throws ConfigError / PolicyConfigError at cold start. */
export function createRuntime(
  env: NodeJS.ProcessEnv = process.env,
  overrides: RuntimeOverrides = {},
): Runtime {
  const config = loadConfig(env);
  const secrets = configSecrets(config);
  const logger = createLogger({
    level: config.logLevel,
    secrets,
    ...(overrides.writeLine ? { write: overrides.writeLine } : {}),
  });
  const staticSinks = createStaticSinks(config, overrides.sinks);
  const ens =
    overrides.ens ??
    createEnsClient({
      transport: createEnsTransport({
        endpoint: config.ensEndpoint,
        attemptTimeoutMs: config.ensAttemptTimeoutMs,
        signatureVersion: config.ensSignatureVersion,
      }),
      retry: config.retry,
    });
  return {
    config,
    policy: loadPolicy(config),
    logger,
    secrets,
    ens,
    staticSinks,
    intake: createIntakeMemory(),
    clock: overrides.clock ?? { now: Date.now },
    logSink: createLogSink(overrides.writeLine),
  };
}

/** Per-invocation wiring: credentials, deadlines and a logger carrying the FC request id. */
export interface Invocation {
  deps: AuthorizeDeps;
  budget: InvocationBudget;
  credentials: Credentials | null;
  fcRequestId: string;
  /** The configuration's secrets plus this invocation's STS credentials: redacted from every output. */
  secrets: readonly string[];
  /** The audit trail without the remote sinks, for refusals before authentication (docs/security.md). */
  localAudit: AuthorizeDeps["audit"];
}

/** The credentials of an invocation: FC's STS credentials of the function's role, or the configured fallback. */
export function credentialsOf(context: FcContext, fallback: Credentials | null): Credentials | null {
  const fromContext = context.credentials;
  if (fromContext?.accessKeyId && fromContext.accessKeySecret) {
    return {
      accessKeyId: fromContext.accessKeyId,
      accessKeySecret: fromContext.accessKeySecret,
      securityToken: fromContext.securityToken || undefined,
    };
  }
  return fallback;
}

/**
 * The CloudEvents `source` of this function's events: `AUDIT_SOURCE`, else the function's ARN,
 * `acs:fc:<region>:<account>:functions/<name>` on FC 3.0, nested under the service when FC names one (FC 2.0).
 */
export function auditSourceOf(config: Pick<Config, "auditSource">, context: FcContext): string {
  if (config.auditSource !== null) return config.auditSource;
  const prefix = `acs:fc:${context.region ?? "unknown"}:${context.accountId ?? "unknown"}`;
  const fn = `functions/${context.function?.name ?? "unknown"}`;
  const service = context.service?.name || null;
  return service === null ? `${prefix}:${fn}` : `${prefix}:services/${service}/${fn}`;
}

/** The audit sinks built once per instance: the file and HTTP sinks the configuration names (or a test's own). */
export function createStaticSinks(config: Config, overrides?: AuditSink[]): AuditSink[] {
  if (overrides !== undefined) return overrides;
  const sinks: AuditSink[] = [];
  if (config.auditFile) sinks.push(createFileSink(config.auditFile));
  if (config.auditHttp)
    sinks.push(createHttpSink({ ...config.auditHttp, timeoutMs: config.auditSinkTimeoutMs }));
  return sinks;
}

/**
 * Every audit sink of one invocation: the static ones, plus the EventBridge sink when a bus is configured, built
 * per invocation because it signs with this invocation's credentials.
 */
export function invocationSinks(
  config: Config,
  staticSinks: readonly AuditSink[],
  credentials: Credentials | null,
  context: FcContext,
): AuditSink[] {
  const sinks = [...staticSinks];
  if (config.auditEventBridge) {
    const region = config.auditEventBridge.region ?? context.region ?? "unknown";
    sinks.push(
      createEventBridgeSink({
        endpoint:
          config.auditEventBridge.endpoint ??
          `https://${context.accountId ?? "unknown"}.eventbridge.${region}.aliyuncs.com`,
        busName: config.auditEventBridge.bus,
        credentials: () => {
          if (credentials === null) throw new Error("no credentials for the EventBridge audit sink");
          return credentials;
        },
        timeoutMs: config.auditSinkTimeoutMs,
      }),
    );
  }
  return sinks;
}

/** Starts the clock of one invocation and wires its dependencies. */
export function startInvocation(runtime: Runtime, context: FcContext): Invocation {
  const { config, logSink } = runtime;
  const startedAt = runtime.clock.now();
  const timeoutMs = (context.function?.timeout ?? FALLBACK_TIMEOUT_SECONDS) * 1000;
  const hardDeadline = startedAt + timeoutMs;
  const credentials = credentialsOf(context, config.fallbackCredentials);
  const functionName = context.function?.name ?? "unknown";
  // The invocation's STS credentials join the configuration's secrets in every redaction.
  const stsSecrets = credentials
    ? [credentials.accessKeySecret, credentials.securityToken ?? ""].filter(Boolean)
    : [];
  const secrets = [...runtime.secrets, ...stsSecrets];
  const logger = runtime.logger
    .withSecrets(stsSecrets)
    .child({ fcRequestId: context.requestId, function: functionName });
  const sinks = invocationSinks(config, runtime.staticSinks, credentials, context);
  const audit = createAuditTrail({ logSink, sinks, logger, secrets });
  // An unauthenticated caller must cost no network write and no wait on a remote sink.
  const localSinks = sinks.filter((sink) => sink.remote !== true);
  const localAudit = createAuditTrail({ logSink, sinks: localSinks, logger, secrets });
  return {
    deps: {
      ens: runtime.ens,
      audit,
      // Summaries for the ticket notifier go on the same trail as the rule events (docs/tickets.md).
      summaries: audit,
      policy: runtime.policy,
      policyMode: config.policyMode,
      clock: runtime.clock,
      logger,
      auditSource: auditSourceOf(config, context),
    },
    budget: {
      ensDeadline: hardDeadline - config.auditMarginMs,
      auditDeadline: hardDeadline - FINAL_MARGIN_MS,
    },
    credentials,
    fcRequestId: context.requestId,
    secrets,
    localAudit,
  };
}

/** An FC handler: `handler(event, context)`. */
export type FcHandler<R> = (event: unknown, context: FcContext) => Promise<R>;

/**
 * Makes a handler factory out of `handle`: the factory builds the runtime once, at cold start (a bad
 * configuration stops the function there), and every call of the handler starts one invocation. `deps` swaps in
 * fakes for tests.
 */
export function handlerFactory<R>(
  handle: (event: unknown, runtime: Runtime, invocation: Invocation) => Promise<R>,
): (env: NodeJS.ProcessEnv, deps?: RuntimeOverrides) => FcHandler<R> {
  return (env, deps) => {
    const runtime = createRuntime(env, deps);
    return (event, context) => handle(event, runtime, startInvocation(runtime, context));
  };
}
