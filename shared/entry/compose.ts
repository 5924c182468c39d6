/**
 * The composition root shared by both functions. Configuration, the policy, the ENS client (with its keep-alive
 * agent) and the static sinks are built once per instance at cold start; per-invocation pieces (credentials,
 * deadlines, correlation fields, the EventBridge sink that signs with the invocation's STS credentials) are built in
 * `startInvocation`, so no request state lives at module scope.
 */

import bundledPolicy from "../policy/policy.json" with { type: "json" };
import { createAuditTrail } from "../shared/adapters/audit/audit-trail.ts";
import { createEventBridgeSink } from "../shared/adapters/audit/eventbridge-sink.ts";
import { createFileSink } from "../shared/adapters/audit/file-sink.ts";
import { createHttpSink } from "../shared/adapters/audit/http-sink.ts";
import { createLogSink } from "../shared/adapters/audit/log-sink.ts";
import { createEnsTransport } from "../shared/adapters/ens/http-ens-transport.ts";
import { createEnsClient } from "../shared/adapters/ens/retrying-ens-client.ts";
import { createLogger, type RedactingLogger } from "../shared/adapters/logger.ts";
import { type Config, configSecrets, loadConfig } from "../shared/config.ts";
import { DEFAULT_POLICY, type Policy, PolicyConfigError, parsePolicy } from "../shared/domain/policy.ts";
import { createIntakeMemory, type IntakeMemory } from "../shared/edge/intake-memory.ts";
import type { AuditSink, Credentials } from "../shared/ports.ts";
import type { AuthorizeDeps, InvocationBudget } from "../shared/use-cases/authorize-egress-request.ts";

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
}

/** Builds the runtime from the environment; throws ConfigError / PolicyConfigError at cold start. */
export function createRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const config = loadConfig(env);
  const secrets = configSecrets(config);
  const logger = createLogger({ level: config.logLevel, secrets });
  const transport = createEnsTransport({
    endpoint: config.ensEndpoint,
    attemptTimeoutMs: config.ensAttemptTimeoutMs,
    signatureVersion: config.ensSignatureVersion,
  });
  const staticSinks: AuditSink[] = [];
  if (config.auditFile) staticSinks.push(createFileSink(config.auditFile));
  if (config.auditHttp) {
    staticSinks.push(createHttpSink({ ...config.auditHttp, timeoutMs: config.auditSinkTimeoutMs }));
  }
  return {
    config,
    policy: loadPolicy(config),
    logger,
    secrets,
    ens: createEnsClient({ transport, retry: config.retry }),
    staticSinks,
    intake: createIntakeMemory(),
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

function credentialsOf(context: FcContext, config: Config): Credentials | null {
  const fromContext = context.credentials;
  if (fromContext?.accessKeyId && fromContext.accessKeySecret) {
    return {
      accessKeyId: fromContext.accessKeyId,
      accessKeySecret: fromContext.accessKeySecret,
      securityToken: fromContext.securityToken || undefined,
    };
  }
  return config.fallbackCredentials;
}

/** Starts the clock of one invocation and wires its dependencies. */
export function startInvocation(runtime: Runtime, context: FcContext, startedAt = Date.now()): Invocation {
  const { config } = runtime;
  const timeoutMs = (context.function?.timeout ?? FALLBACK_TIMEOUT_SECONDS) * 1000;
  const hardDeadline = startedAt + timeoutMs;
  const credentials = credentialsOf(context, config);
  const functionName = context.function?.name ?? "unknown";
  const serviceName = context.service?.name || null;
  const region = context.region ?? "unknown";
  const accountId = context.accountId ?? "unknown";
  // The invocation's STS credentials join the configuration's secrets in every redaction.
  const stsSecrets = credentials
    ? [credentials.accessKeySecret, credentials.securityToken ?? ""].filter(Boolean)
    : [];
  const secrets = [...runtime.secrets, ...stsSecrets];
  const logger = runtime.logger
    .withSecrets(stsSecrets)
    .child({ fcRequestId: context.requestId, function: functionName });
  const sinks = [...runtime.staticSinks];
  if (config.auditEventBridge) {
    const ebRegion = config.auditEventBridge.region ?? region;
    sinks.push(
      createEventBridgeSink({
        endpoint:
          config.auditEventBridge.endpoint ?? `https://${accountId}.eventbridge.${ebRegion}.aliyuncs.com`,
        busName: config.auditEventBridge.bus,
        credentials: () => {
          if (credentials === null) throw new Error("no credentials for the EventBridge audit sink");
          return credentials;
        },
        timeoutMs: config.auditSinkTimeoutMs,
      }),
    );
  }
  const logSink = createLogSink();
  const audit = createAuditTrail({ logSink, sinks, logger, secrets });
  // An unauthenticated caller must cost no network write and no wait on a remote sink.
  const localSinks = sinks.filter((sink) => sink.remote !== true);
  const localAudit = createAuditTrail({ logSink, sinks: localSinks, logger, secrets });
  return {
    deps: {
      ens: runtime.ens,
      audit,
      policy: runtime.policy,
      policyMode: config.policyMode,
      clock: { now: () => Date.now() },
      logger,
      // The function's ARN: acs:fc:<region>:<account>:functions/<name> on FC 3.0, nested under the service on 2.0.
      auditSource:
        config.auditSource ??
        (serviceName === null
          ? `acs:fc:${region}:${accountId}:functions/${functionName}`
          : `acs:fc:${region}:${accountId}:services/${serviceName}/functions/${functionName}`),
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
