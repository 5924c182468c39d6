/**
 * The retry figure (docs/interfaces.md): 1000 rules through the product's own EnsClient (createEnsClient over
 * createEnsTransport) while the emulator fails 30 % of calls with `ens.interface.error`. A second pass adds a
 * permanent fault (`NoPermission`) and counts any call made after a permanent error: there must be none.
 * Requests go one at a time so that, with a seed, the emulator's fault sequence is reproducible.
 */
import { createEnsTransport, type EnsTransport } from "#shared/adapters/ens/http-ens-transport.ts";
import { createEnsClient } from "#shared/adapters/ens/retrying-ens-client.ts";
import { loadConfig } from "#shared/config.ts";
import type { EgressRule } from "#shared/domain/types.ts";
import type { BenchFault, EmulatorControl } from "./lib/emulator-control.ts";
import { BENCH_CREDENTIALS } from "./lib/fc-context.ts";
import { benchGroupId, benchRule } from "./lib/rules.ts";
import { median, round } from "./lib/stats.ts";

/** Settings of the retry measurement. */
export interface RetryOptions {
  ensUrl: string;
  control: EmulatorControl;
  requests: number;
  faultRate: number;
  permanentRate: number;
  /** One run per seed. */
  seeds: readonly number[];
  baseMs: number;
  maxDelayMs: number;
}

/** One pass over `requests` rules. */
export interface RetryPass {
  seed: number;
  succeeded: number;
  failedTransient: number;
  failedPermanent: number;
  attempts: number;
  meanAttempts: number;
  emulatorCalls: number;
  requestsWithPermanentError: number;
  retriesOnPermanentErrors: number;
  /** Succeeded once the transient failures were delivered a second time, as the queue's redelivery does. */
  succeededWithRedelivery: number;
  redeliveryAttempts: number;
}

/** The retry result: the documented fields (medians over seeds) plus detail. */
export interface RetryResult {
  faultRate: number;
  requests: number;
  succeeded: number;
  meanAttempts: number;
  retriesOnPermanentErrors: number;
  maxAttempts: number;
  baseMs: number;
  maxDelayMs: number;
  /** 1 - faultRate^maxAttempts: the success rate independent faults allow with this many attempts. */
  expectedSuccessRate: number;
  permanentFaultRate: number;
  requestsWithPermanentError: number;
  /**
   * Requests that succeeded within one invocation or, for those the error table sends back to the queue, on a
   * second delivery (median over seeds). Reported beside `succeeded`: it shows what the queue path adds.
   */
  succeededWithRedelivery: number;
  /** The fewest successes of any seed, within one invocation and with one redelivery. */
  worstSucceeded: number;
  worstSucceededWithRedelivery: number;
  transientPasses: RetryPass[];
  permanentPasses: RetryPass[];
}

/**
 * Codes docs/ens-api.md classes as transient, listed here independently of the product's error table so that
 * a wrong row there shows up as retries on a permanent error.
 */
const TRANSIENT =
  /^(ens\.interface\.error|CallInterface|Throttling.*|ServiceUnavailable|InternalError|NetworkError|AttemptTimeout)$/;

const GROUPS = 20;

function toEgressRule(index: number): EgressRule {
  const rule = benchRule(index, GROUPS);
  return { ...rule, Policy: "accept", Priority: 1, SourcePortRange: "1/65535" };
}

/** A transport that records the answer code of every attempt, per rule. */
function recordingTransport(inner: EnsTransport, log: Map<string, string[]>): EnsTransport {
  return {
    async call(action, params, credentials, signal) {
      const key = `${params.SecurityGroupId}|${params.DestCidrIp}`;
      const codes = log.get(key) ?? [];
      log.set(key, codes);
      try {
        const answer = await inner.call(action, params, credentials, signal);
        codes.push("OK");
        return answer;
      } catch (error) {
        codes.push((error as { code?: string }).code ?? "Unknown");
        throw error;
      }
    },
  };
}

async function runPass(
  options: RetryOptions,
  seed: number,
  faults: BenchFault[],
  maxAttempts: number,
): Promise<RetryPass> {
  await options.control.reset();
  await options.control.setFaults({ seed, latencyMs: 0, faults });
  await options.control.createGroups(Array.from({ length: GROUPS }, (_, i) => benchGroupId(i)));
  const transport = createEnsTransport({
    endpoint: options.ensUrl,
    attemptTimeoutMs: 5000,
    signatureVersion: "v3",
  });
  const log = new Map<string, string[]>();
  const client = createEnsClient({
    transport: recordingTransport(transport, log),
    retry: { maxAttempts, baseMs: options.baseMs, maxDelayMs: options.maxDelayMs },
  });
  let succeeded = 0;
  let failedTransient = 0;
  let failedPermanent = 0;
  let attempts = 0;
  const redeliver: EgressRule[] = [];
  let succeededOnRedelivery = 0;
  let redeliveryAttempts = 0;
  const deliver = (rule: EgressRule) =>
    client.authorizeSecurityGroupEgress(rule, {
      credentials: BENCH_CREDENTIALS,
      deadline: Date.now() + 60_000,
    });
  try {
    for (let i = 0; i < options.requests; i++) {
      const result = await deliver(toEgressRule(i));
      attempts += result.attempts;
      if (result.outcome === "created" || result.outcome === "already_exists") succeeded++;
      else if (result.error !== null && TRANSIENT.test(result.error.code)) failedTransient++;
      else failedPermanent++;
      if (result.outcome === "failed" && result.error?.redeliver) redeliver.push(toEgressRule(i));
    }
    // What MNS/EventBridge do with a batch the function throws for: deliver those messages again.
    for (const rule of redeliver) {
      const result = await deliver(rule);
      redeliveryAttempts += result.attempts;
      if (result.outcome === "created" || result.outcome === "already_exists") succeededOnRedelivery++;
    }
  } finally {
    transport.close();
  }
  let requestsWithPermanentError = 0;
  let retriesOnPermanentErrors = 0;
  for (const codes of log.values()) {
    const first = codes.findIndex((code) => code !== "OK" && !TRANSIENT.test(code));
    if (first === -1) continue;
    requestsWithPermanentError++;
    retriesOnPermanentErrors += codes.length - first - 1;
  }
  const stats = await options.control.stats();
  return {
    seed,
    succeeded,
    failedTransient,
    failedPermanent,
    attempts,
    meanAttempts: round(attempts / options.requests, 4),
    emulatorCalls: stats.calls.AuthorizeSecurityGroupEgress?.total ?? 0,
    requestsWithPermanentError,
    retriesOnPermanentErrors,
    succeededWithRedelivery: succeeded + succeededOnRedelivery,
    redeliveryAttempts,
  };
}

/** Runs the transient pass and the permanent pass once per seed. */
export async function measureRetry(options: RetryOptions): Promise<RetryResult> {
  // The product's attempt cap as its own config reads it: RETRY_MAX_ATTEMPTS if set here, else the default.
  const maxAttempts = loadConfig({ RETRY_MAX_ATTEMPTS: process.env.RETRY_MAX_ATTEMPTS }).retry.maxAttempts;
  const transientFault: BenchFault = {
    action: "AuthorizeSecurityGroupEgress",
    kind: "error",
    code: "ens.interface.error",
    rate: options.faultRate,
  };
  const permanentFault: BenchFault = {
    action: "AuthorizeSecurityGroupEgress",
    kind: "error",
    code: "NoPermission",
    rate: options.permanentRate,
  };
  const transientPasses: RetryPass[] = [];
  const permanentPasses: RetryPass[] = [];
  for (const seed of options.seeds) {
    transientPasses.push(await runPass(options, seed, [transientFault], maxAttempts));
    permanentPasses.push(await runPass(options, seed, [transientFault, permanentFault], maxAttempts));
  }
  for (const pass of [...transientPasses, ...permanentPasses]) {
    if (pass.emulatorCalls !== pass.attempts + pass.redeliveryAttempts) {
      throw new Error(
        `retry: the client counted ${pass.attempts + pass.redeliveryAttempts} attempts but the emulator saw ${pass.emulatorCalls} calls`,
      );
    }
  }
  return {
    faultRate: options.faultRate,
    requests: options.requests,
    succeeded: median(transientPasses.map((p) => p.succeeded)),
    meanAttempts: round(median(transientPasses.map((p) => p.meanAttempts)), 4),
    retriesOnPermanentErrors: Math.max(...permanentPasses.map((p) => p.retriesOnPermanentErrors)),
    maxAttempts,
    baseMs: options.baseMs,
    maxDelayMs: options.maxDelayMs,
    expectedSuccessRate: round(1 - options.faultRate ** maxAttempts, 6),
    permanentFaultRate: options.permanentRate,
    requestsWithPermanentError: median(permanentPasses.map((p) => p.requestsWithPermanentError)),
    succeededWithRedelivery: median(transientPasses.map((p) => p.succeededWithRedelivery)),
    worstSucceeded: Math.min(...transientPasses.map((p) => p.succeeded)),
    worstSucceededWithRedelivery: Math.min(...transientPasses.map((p) => p.succeededWithRedelivery)),
    transientPasses,
    permanentPasses,
  };
}
