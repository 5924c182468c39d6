/**
 * Rules and trigger events for the benchmark. Every call must create a new rule (a Duplicated answer takes a
 * different, cheaper path in the emulator and in the product), so rules differ by destination address.
 */

/** A rule request as docs/interfaces.md spells it (ENS parameter names). */
export interface BenchRule {
  SecurityGroupId: string;
  IpProtocol: "tcp";
  PortRange: string;
  DestCidrIp: string;
}

/** Security group id number `index`; the `sg-` prefix keeps any sane guardrail policy satisfied. */
export function benchGroupId(index: number): string {
  return `sg-bench${String(index).padStart(4, "0")}`;
}

/** The `index`-th distinct rule (index < 2^24), spread round-robin over `groups` security groups. */
export function benchRule(index: number, groups: number): BenchRule {
  // Private /32 destinations on an ordinary port: passes the default guardrails and never repeats.
  const a = (index >>> 16) & 255;
  const b = (index >>> 8) & 255;
  const c = index & 255;
  return {
    SecurityGroupId: benchGroupId(index % groups),
    IpProtocol: "tcp",
    PortRange: "443/443",
    DestCidrIp: `10.${a}.${b}.${c}/32`,
  };
}

/** `count` distinct rules starting at rule `first`, all in group number `group`: one request of `count` rules. */
export function requestRules(first: number, count: number, group: number): BenchRule[] {
  return Array.from({ length: count }, (_, i) => ({
    ...benchRule(first + i, 1),
    SecurityGroupId: benchGroupId(group),
  }));
}

/** The seven ENS wire parameters of a bench rule, defaults filled in as the product sends them. */
export function toWireParams(rule: BenchRule): Record<string, string> {
  return { ...rule, Policy: "accept", Priority: "1", SourcePortRange: "1/65535" };
}

/**
 * A direct invocation of queue-worker: the FC 3.0 event Buffer holding one rule request, a flat rule when it holds
 * one rule and `{"Rules":[...]}` when it holds more.
 */
export function directInvokeEvent(rules: readonly BenchRule[]): Buffer {
  const request = rules.length === 1 ? { ...rules[0]! } : { Rules: rules };
  return Buffer.from(JSON.stringify({ ...request, TicketId: "BENCH-1" }));
}

/**
 * An EventBridge batch from an MNS queue (docs/fc-conventions.md): a JSON array of CloudEvents whose
 * `data.messageBody` is the rule request (Base64, the platform's default).
 */
export function mnsBatchEvent(rules: readonly BenchRule[]): Buffer {
  const now = Date.now();
  const events = rules.map((rule, i) => ({
    id: `bench-event-${i}`,
    source: "MNS-queue-worker-bench",
    specversion: "1.0",
    type: "mns:Queue:SendMessage",
    datacontenttype: "application/json; charset=utf-8",
    subject: "acs:mns:cn-hangzhou:1234567890123456:queues/ens-egress-bench",
    time: new Date(now).toISOString(),
    aliyunaccountid: "1234567890123456",
    aliyunpublishtime: new Date(now).toISOString(),
    aliyunoriginalaccountid: "1234567890123456",
    aliyuneventbusname: "MNS-queue-worker-bench",
    aliyunregionid: "cn-hangzhou",
    aliyunpublishaddr: "127.0.0.1",
    data: {
      requestId: `bench-request-${i}`,
      messageId: `BENCH-MSG-${String(i).padStart(6, "0")}`,
      messageBody: Buffer.from(JSON.stringify({ ...rule, TicketId: `BENCH-${i}` })).toString("base64"),
    },
  }));
  return Buffer.from(JSON.stringify(events));
}

/** The operator token the http-intake bench children configure (`API_TOKENS`) and send. */
export const BENCH_API_TOKEN = "bench-operator-token";

/** An FC 3.0 HTTP trigger event (docs/fc-conventions.md): `POST /rules` with a Bearer token and one rule request. */
export function httpRulesEvent(rules: readonly BenchRule[]): Buffer {
  const body = directInvokeEvent(rules).toString("utf8");
  const now = Date.now();
  return Buffer.from(
    JSON.stringify({
      version: "v1",
      rawPath: "/rules",
      body,
      isBase64Encoded: false,
      headers: {
        Authorization: `Bearer ${BENCH_API_TOKEN}`,
        "Content-Type": "application/json",
        "Content-Length": String(Buffer.byteLength(body)),
      },
      queryParameters: {},
      requestContext: {
        accountId: "1234567890123456",
        domainName: "ens-egress-http-intake-bench.cn-hangzhou.fcapp.run",
        domainPrefix: "ens-egress-http-intake-bench",
        http: {
          method: "POST",
          path: "/rules",
          protocol: "HTTP/1.1",
          sourceIp: "10.0.0.1",
          userAgent: "bench",
        },
        requestId: `bench-${now}`,
        time: new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"),
        timeEpoch: String(now),
      },
    }),
  );
}

/** The outcome of the first rule in a queue-worker summary or an http-intake answer; a description otherwise. */
export function firstOutcome(answer: unknown): string {
  const queue = answer as { messages?: Array<{ rules?: Array<{ outcome?: string }> }> };
  const fromQueue = queue.messages?.[0]?.rules?.[0]?.outcome;
  if (fromQueue !== undefined) return fromQueue;
  const http = answer as { statusCode?: number; body?: string };
  if (typeof http.body !== "string") return "unknown";
  const body = JSON.parse(http.body) as { results?: Array<{ outcome?: string }> };
  return body.results?.[0]?.outcome ?? `HTTP ${http.statusCode}`;
}
