/**
 * Safety judged on state, through the built functions against the emulator (its own state and counters are the
 * witnesses): guardrails that cannot be split across requests, a batch that makes progress on every redelivery,
 * and outcomes that never claim `created` without proof, under concurrency and every fault kind.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { captureStdout } from "../helpers/capture-stdout.ts";
import { type EmulatorControl, emulatorControl, readAuditEvents } from "../helpers/emulator-client.ts";
import { fc3HttpEvent } from "../helpers/fc3-http-event.ts";
import { mnsQueueEvent } from "../helpers/mns-event.ts";

const credentials = { accessKeyId: "state-ak", accessKeySecret: "state-secret-0123456789abcdef" };
const TOKEN = "state-safety-token-0123456789abcdef";
const GROUP = "sg-state0001";
let emulator: EnsEmulator;
let control: EmulatorControl;
let auditFile: string;

function httpEvent(body: unknown, requestId: string): Buffer {
  const headers = { authorization: `Bearer ${TOKEN}` };
  return fc3HttpEvent({ path: "/rules", body: JSON.stringify(body), headers, requestId });
}

async function post(handler: BuiltHandler, body: unknown, requestId = `req-${Math.random()}`) {
  const answer = (await handler(
    httpEvent(body, requestId),
    createFcContext({ credentials, functionName: "http-intake", requestId }),
  )) as { statusCode: number; body: string };
  return { status: answer.statusCode, body: JSON.parse(answer.body) };
}

function rule(fields: Record<string, unknown>) {
  return { SecurityGroupId: GROUP, ...fields };
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    accessKeys: [{ id: credentials.accessKeyId, secret: credentials.accessKeySecret }],
  });
  control = emulatorControl(emulator.url);
  auditFile = join(mkdtempSync(join(tmpdir(), "ens-egress-state-")), "audit.jsonl");
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(async () => {
  rmSync(auditFile, { force: true });
  await control.resetWith(GROUP);
});

function intake(extra: Record<string, string> = {}): BuiltHandler {
  return loadBuiltFunction("http-intake", {
    ENS_ENDPOINT: emulator.url,
    API_TOKENS: TOKEN,
    AUDIT_FILE: auditFile,
    RETRY_BASE_MS: "1",
    RETRY_MAX_DELAY_MS: "5",
    ENS_ATTEMPT_TIMEOUT_MS: "300",
    LOG_LEVEL: "error",
    ...extra,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// An independent witness of world exposure: BigInt arithmetic over the destinations ENS holds.

const NOT_INTERNET: Array<[string, number]> = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

function range(address: string, prefix: number): [bigint, bigint] {
  const base = address.split(".").reduce((value, octet) => value * 256n + BigInt(octet), 0n);
  const size = 2n ** BigInt(32 - prefix);
  return [(base / size) * size, (base / size) * size + size - 1n];
}

/** True when the `/8`-or-narrower destinations, together, are the internet under the default policy (wider than /8). */
function crossesDefaultLine(cidrs: string[]): boolean {
  const covered = cidrs.map((cidr) => {
    const [address = "", prefix = "32"] = cidr.split("/");
    return range(address, Number(prefix));
  });
  const has = (first: bigint, last: bigint) => covered.some(([a, b]) => a <= first && last <= b);
  // A whole /7 covered by /8s (no generated destination is wider than /8).
  for (let k = 0n; k < 128n; k++) {
    const first = k * 2n ** 25n;
    if (has(first, first + 2n ** 24n - 1n) && has(first + 2n ** 24n, first + 2n ** 25n - 1n)) return true;
  }
  let publicAddresses = 0n;
  for (const [a, b] of covered) {
    publicAddresses += b - a + 1n;
    for (const [address, prefix] of NOT_INTERNET) {
      const [c, d] = range(address, prefix);
      // BigInt has no Math.max/Math.min.
      // biome-ignore lint/complexity/useMathMinMax: bigint
      const from = a > c ? a : c;
      // biome-ignore lint/complexity/useMathMinMax: bigint
      const to = b < d ? b : d;
      if (to >= from) publicAddresses -= to - from + 1n;
    }
  }
  return publicAddresses > 2n ** 24n;
}

describe("guardrails cannot be split across requests (default policy)", () => {
  const attacks: Array<[string, Record<string, unknown>]> = [
    ["all", { IpProtocol: "all", PortRange: "-1/-1" }],
    ["tcp 1/65535", { IpProtocol: "tcp", PortRange: "1/65535" }],
    ["udp 1/65535", { IpProtocol: "udp", PortRange: "1/65535" }],
    ["gre", { IpProtocol: "gre", PortRange: "-1/-1" }],
  ];

  for (const [name, fields] of attacks) {
    it(`${name}: 256 rules of /8, 20 per request, never open the whole address space`, async () => {
      const handler = intake();
      const capture = captureStdout();
      const statuses: number[] = [];
      const reasons: string[] = [];
      try {
        for (let start = 0; start < 256; start += 20) {
          const rules = [];
          for (let octet = start; octet < Math.min(256, start + 20); octet++) {
            rules.push(rule({ ...fields, DestCidrIp: `${octet}.0.0.0/8` }));
          }
          const answer = await post(handler, { Rules: rules });
          statuses.push(answer.status);
          if (answer.status === 403) reasons.push(JSON.stringify(answer.body));
        }
      } finally {
        capture.stop();
      }
      expect(statuses.every((status) => status === 200 || status === 403)).toBe(true);
      expect(statuses).toContain(403);
      expect(reasons.join(" ")).toContain("Policy.WorldOpenEgress");
      const held = (await control.permissions(GROUP)).map((p) => String(p.DestCidrIp));
      expect(crossesDefaultLine(held)).toBe(false);
    });

    it(`${name}: one /8 per request is refused at the request that would cross the line, naming the rules already there`, async () => {
      const handler = intake();
      const capture = captureStdout();
      const refusals: Array<{ octet: number; message: string }> = [];
      try {
        for (let octet = 0; octet < 256; octet++) {
          const answer = await post(handler, rule({ ...fields, DestCidrIp: `${octet}.0.0.0/8` }));
          expect([200, 403]).toContain(answer.status);
          if (answer.status === 403) refusals.push({ octet, message: JSON.stringify(answer.body) });
          // The witness: after every request, ENS holds nothing that crosses the line.
          if (answer.status === 200) {
            const held = (await control.permissions(GROUP)).map((p) => String(p.DestCidrIp));
            expect(crossesDefaultLine(held)).toBe(false);
          }
        }
      } finally {
        capture.stop();
      }
      // 0/8 is not the internet and goes in; 1/8 would complete 0.0.0.0/7 and is refused, naming 0.0.0.0/8.
      expect(refusals[0]?.octet).toBe(1);
      expect(refusals[0]?.message).toMatch(
        /together with 1 other rule of sg-state0001 \([a-z]+[ 0-9/-]* to 0\.0\.0\.0\/8\)/,
      );
      expect(refusals.length).toBeGreaterThan(200);
    });
  }

  it("ordinary internal rules still pass, many of them in one group, from the operator route and the queue", async () => {
    const handler = intake();
    const queue = loadBuiltFunction("queue-worker", { ENS_ENDPOINT: emulator.url, LOG_LEVEL: "error" });
    const capture = captureStdout();
    try {
      const internal = [
        rule({ IpProtocol: "tcp", PortRange: "443/443", DestCidrIp: "10.0.0.0/8" }),
        rule({ IpProtocol: "all", PortRange: "-1/-1", DestCidrIp: "172.16.0.0/12" }),
        rule({ IpProtocol: "udp", PortRange: "53/53", DestCidrIp: "192.168.0.0/16" }),
        rule({ IpProtocol: "tcp", PortRange: "1/65535", DestCidrIp: "10.20.0.0/16" }),
        rule({ IpProtocol: "gre", PortRange: "-1/-1", DestCidrIp: "10.30.0.0/16" }),
        rule({ IpProtocol: "tcp", PortRange: "5432/5432", DestCidrIp: "203.0.113.0/24" }),
      ];
      for (const body of internal) expect((await post(handler, body)).status).toBe(200);
      const viaQueue = rule({ IpProtocol: "tcp", PortRange: "8080/8080", DestCidrIp: "10.1.2.0/24" });
      await queue(Buffer.from(JSON.stringify(viaQueue)), createFcContext({ credentials }));
    } finally {
      capture.stop();
    }
    expect(await control.permissions(GROUP)).toHaveLength(7);
  });
});

describe("a batch makes progress on every redelivery", () => {
  it("48 messages for one group, 100 ms per ENS call, 4 s timeout: settles in at most 3 deliveries, nothing dead-lettered", async () => {
    await control.setFaults({ seed: 1, latencyMs: 100, faults: [] });
    const queue = loadBuiltFunction("queue-worker", {
      ENS_ENDPOINT: emulator.url,
      AUDIT_FILE: auditFile,
      LOG_LEVEL: "error",
    });
    const batch = Array.from({ length: 48 }, (_, i) =>
      mnsQueueEvent(
        `msg-${i}`,
        JSON.stringify(
          rule({ IpProtocol: "tcp", PortRange: `${2000 + i}/${2000 + i}`, DestCidrIp: "10.0.0.0/8" }),
        ),
      ),
    );
    const event = Buffer.from(JSON.stringify(batch));
    const inEns: number[] = [];
    let deliveries = 0;
    let settled = false;
    const capture = captureStdout();
    try {
      // EventBridge redelivers the whole batch, in the same order, after a throw; six tries before the DLQ.
      while (!settled && deliveries < 6) {
        deliveries++;
        try {
          await queue(event, createFcContext({ credentials, timeoutSeconds: 4 }));
          settled = true;
        } catch (error) {
          expect((error as Error).name).toBe("QueueRedeliveryError");
        }
        inEns.push((await control.permissions(GROUP)).length);
      }
    } finally {
      capture.stop();
      await control.setFaults({ seed: 1, latencyMs: 0, faults: [] });
    }
    expect(settled).toBe(true);
    expect(deliveries).toBeLessThanOrEqual(3);
    expect(inEns.at(-1)).toBe(48);
    // Never a step back. (A delivery may write its last rules and still be redelivered: an attempt cut at the
    // deadline after ENS stored the rule asks for another delivery, which then finds it by the read.)
    for (let i = 1; i < inEns.length; i++) expect(inEns[i]!).toBeGreaterThanOrEqual(inEns[i - 1]!);
    // Each rule was written exactly once: later deliveries found the earlier rules by reading the group.
    expect(await control.ensCalls()).toBe(48);
  });
});

describe("outcomes tell the truth", () => {
  const faultKinds: Array<[string, Record<string, unknown>]> = [
    ["none", {}],
    ["ens.interface.error", { kind: "error", code: "ens.interface.error", rate: 0.3 }],
    ["reset", { kind: "reset", rate: 0.3 }],
    ["timeout", { kind: "timeout", rate: 0.2 }],
    ["commit-then-error", { kind: "commit-then-error", code: "ens.interface.error", rate: 0.3 }],
  ];

  /** Sends `count` identical requests at once; returns the answers and the audit events they wrote. */
  async function concurrent(count: number, fault: Record<string, unknown>, seed: number) {
    await control.resetWith(GROUP);
    rmSync(auditFile, { force: true });
    const faults = fault.kind === undefined ? [] : [{ action: "AuthorizeSecurityGroupEgress", ...fault }];
    await control.setFaults({ seed, latencyMs: 2, faults });
    const handler = intake({ RETRY_MAX_ATTEMPTS: "5" });
    const body = rule({ IpProtocol: "tcp", PortRange: "9443/9443", DestCidrIp: "10.9.0.0/16" });
    const capture = captureStdout();
    let answers: Array<{ status: number; body: any }>;
    try {
      answers = await Promise.all(
        Array.from({ length: count }, (_, i) => post(handler, body, `conc-${seed}-${i}`)),
      );
    } finally {
      capture.stop();
      await control.setFaults({ seed: 1, latencyMs: 0, faults: [] });
    }
    return { answers, events: readAuditEvents(auditFile), held: await control.permissions(GROUP) };
  }

  for (const [name, fault] of faultKinds) {
    it(`fault ${name}, 200 concurrent identical requests: at most one audit id claims created, every 200 is backed by ENS, no event missing`, async () => {
      const { answers, events, held } = await concurrent(200, fault, 7);
      const createdIds = new Set(events.filter((e) => e.data.outcome === "created").map((e) => e.id));
      expect(createdIds.size).toBeLessThanOrEqual(1);
      if (answers.some((a) => a.status === 200)) expect(held).toHaveLength(1);
      expect(held.length).toBeLessThanOrEqual(1);
      // One audit event per request, whatever its outcome.
      expect(new Set(events.map((e) => e.data.fcRequestId)).size).toBe(200);
      for (const answer of answers) expect([200, 503]).toContain(answer.status);
    });
  }

  it("property: for any fault mix and concurrency, at most one created claim per rule and no 200 without the rule", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...faultKinds.map(([, fault]) => fault)),
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        async (fault, count, seed) => {
          const { answers, events, held } = await concurrent(count, fault, seed);
          const created = events.filter((e) => e.data.outcome === "created");
          expect(new Set(created.map((e) => e.id)).size).toBeLessThanOrEqual(1);
          expect(answers.some((a) => a.status === 200) ? held.length : 1).toBe(1);
          expect(new Set(events.map((e) => e.data.fcRequestId)).size).toBe(count);
        },
      ),
      { numRuns: 12 },
    );
  });
});
