/**
 * The `context` argument of an FC 3.0 handler (docs/fc-conventions.md), built fresh for every invocation so
 * that no request state outlives it. The logger prints FC's line format,
 * `<ISO time> <requestId> [level] message`.
 */
import { randomBytes } from "node:crypto";
import { format } from "node:util";

/** Credentials FC hands the function (STS credentials of the service role in the cloud). */
export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present when the credentials are STS credentials; omitted for a plain key such as the emulator's. */
  securityToken?: string;
}

/** FC's per-invocation logger. */
export interface FcLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  log(...args: unknown[]): void;
}

/** The context object an FC 3.0 Node.js handler receives. */
export interface FcContext {
  requestId: string;
  credentials: FcCredentials;
  function: { name: string; handler: string; memory: number; timeout: number };
  /** FC 3.0 has no services: this carries the log settings and the qualifier, and no `name`. */
  service: { logProject: string; logStore: string; qualifier: string; versionId: string };
  region: string;
  accountId: string;
  logger: FcLogger;
  tracing: Record<string, never>;
}

/** Everything needed to build one invocation's context. */
export interface FcContextInput {
  requestId: string;
  functionName: string;
  timeoutSeconds: number;
  memoryMb: number;
  credentials: FcCredentials;
  qualifier: string;
  logProject: string;
  logStore: string;
  region: string;
  accountId: string;
  /** Receives each formatted log line (without a newline). */
  writeLog: (line: string) => void;
  now?: () => Date;
}

/** Formats one log line the way FC's Node.js logger does. */
export function formatFcLogLine(
  time: Date,
  requestId: string,
  level: string,
  args: readonly unknown[],
): string {
  return `${time.toISOString()} ${requestId} [${level}] ${format(...args)}`;
}

/** A request id in FC 3.0's shape, e.g. `1-6476f1a2-1a2b3c4d-5e6f7a8b9c0d`. */
export function createFcRequestId(now: Date = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000)
    .toString(16)
    .padStart(8, "0");
  const random = randomBytes(10).toString("hex");
  return `1-${seconds}-${random.slice(0, 8)}-${random.slice(8, 20)}`;
}

/** Builds the context of one invocation. */
export function createFcContext(input: FcContextInput): FcContext {
  const now = input.now ?? (() => new Date());
  const line =
    (level: string) =>
    (...args: unknown[]): void => {
      input.writeLog(formatFcLogLine(now(), input.requestId, level, args));
    };
  const credentials: FcCredentials = {
    accessKeyId: input.credentials.accessKeyId,
    accessKeySecret: input.credentials.accessKeySecret,
  };
  if (input.credentials.securityToken) credentials.securityToken = input.credentials.securityToken;
  return {
    requestId: input.requestId,
    credentials,
    function: {
      name: input.functionName,
      handler: "index.handler",
      memory: input.memoryMb,
      timeout: input.timeoutSeconds,
    },
    service: {
      logProject: input.logProject,
      logStore: input.logStore,
      qualifier: input.qualifier,
      versionId: "",
    },
    region: input.region,
    accountId: input.accountId,
    logger: {
      debug: line("debug"),
      info: line("info"),
      warn: line("warn"),
      error: line("error"),
      log: line("info"),
    },
    tracing: {},
  };
}
