/**
 * An in-memory ENS transport for unit tests: it keeps the rules it "stored", answers
 * `SecurityGroupRuleConflict.Duplicated` for a rule it already has, and plays a script of faults, one step per
 * call. It fails exactly the way the real HTTP transport does (`EnsApiError` with the same codes).
 */
import type { EnsAnswer, EnsTransport } from "#shared/adapters/ens/http-ens-transport.ts";
import { DUPLICATED_CODE, EnsApiError } from "#shared/errors.ts";
import type { Credentials } from "#shared/ports.ts";

/** What the fake does on one call. `commit: true` stores the rule before failing (the answer is then lost). */
export type FakeEnsStep =
  | { kind: "ok" }
  | { kind: "error"; code: string; httpStatus?: number; message?: string }
  | { kind: "network"; errno?: string; commit?: boolean }
  | { kind: "timeout"; commit?: boolean }
  | { kind: "invalid-body"; httpStatus?: number; commit?: boolean }
  | { kind: "hang" }
  | { kind: "throw-bug" };

/** One recorded call. */
export interface FakeEnsCall {
  action: string;
  params: Record<string, string>;
  credentials: Credentials;
  signal: AbortSignal;
}

/** The fake plus what tests inspect. */
export interface FakeEnsTransport extends EnsTransport {
  readonly calls: FakeEnsCall[];
  /** Rules stored so far, as the JSON of their sorted wire parameters. */
  readonly stored: Set<string>;
  /** Pre-stores a rule, as if it existed before the test. */
  seed(params: Record<string, string>): void;
}

/** Options of `createFakeEnsTransport`. */
export interface FakeEnsOptions {
  /** Steps by call index; calls past the end (or when the function returns undefined) behave as `ok`. */
  script?: FakeEnsStep[] | ((index: number, call: FakeEnsCall) => FakeEnsStep | undefined);
  /** Runs at the start of every call, e.g. to advance a manual clock by a simulated latency. */
  onCall?: (call: FakeEnsCall, index: number) => void | Promise<void>;
  /** Prefix of the RequestIds the fake answers with (`<prefix>-<n>`, n from 1). */
  requestIdPrefix?: string;
}

function ruleKey(params: Record<string, string>): string {
  return JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Creates the fake transport. */
export function createFakeEnsTransport(options: FakeEnsOptions = {}): FakeEnsTransport {
  const calls: FakeEnsCall[] = [];
  const stored = new Set<string>();
  const prefix = options.requestIdPrefix ?? "fake-req";
  let answered = 0;
  const nextId = () => `${prefix}-${++answered}`;

  function stepFor(index: number, call: FakeEnsCall): FakeEnsStep {
    const { script } = options;
    if (script === undefined) return { kind: "ok" };
    const step = typeof script === "function" ? script(index, call) : script[index];
    return step ?? { kind: "ok" };
  }

  async function call(
    action: string,
    params: Record<string, string>,
    credentials: Credentials,
    signal: AbortSignal,
  ): Promise<EnsAnswer> {
    const record: FakeEnsCall = { action, params: { ...params }, credentials, signal };
    const index = calls.length;
    calls.push(record);
    await options.onCall?.(record, index);
    const step = stepFor(index, record);
    const key = ruleKey(params);
    const commit = () => stored.add(key);
    switch (step.kind) {
      case "ok":
        if (stored.has(key)) {
          throw new EnsApiError({
            code: DUPLICATED_CODE,
            message: `ENS answered HTTP 400 ${DUPLICATED_CODE}: The SecurityGroup rule already exists.`,
            httpStatus: 400,
            requestId: nextId(),
          });
        }
        commit();
        return { requestId: nextId(), body: {} };
      case "error":
        throw new EnsApiError({
          code: step.code,
          message: `ENS answered HTTP ${step.httpStatus ?? 400} ${step.code}: ${step.message ?? "scripted"}`,
          httpStatus: step.httpStatus ?? 400,
          requestId: nextId(),
        });
      case "network": {
        if (step.commit) commit();
        const errno = step.errno ?? "ECONNRESET";
        throw new EnsApiError({
          code: "NetworkError",
          message: `Network error calling ENS at fake: ${errno}`,
          requestSent: !["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"].includes(errno),
        });
      }
      case "timeout":
        if (step.commit) commit();
        throw new EnsApiError({ code: "AttemptTimeout", message: "ENS attempt timed out after (fake) ms" });
      case "invalid-body":
        if (step.commit) commit();
        throw new EnsApiError({
          code: "InvalidResponse",
          message: `ENS answered HTTP ${step.httpStatus ?? 200} with a body that is not a JSON object`,
          httpStatus: step.httpStatus ?? 200,
        });
      case "hang":
        await new Promise<void>((resolve) => {
          if (signal.aborted) return resolve();
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
        throw new EnsApiError({
          code: "Aborted",
          message: "ENS call aborted by the caller",
          cause: signal.reason,
        });
      case "throw-bug":
        throw new TypeError("fake transport bug");
    }
  }

  return {
    calls,
    stored,
    seed: (params) => {
      stored.add(ruleKey(params));
    },
    call,
  };
}
