/**
 * Guardrails through the built http-intake against the emulator: a policy with a mistake stops the cold start with
 * a message naming the mistake, and (fast-check) no rule the policy refuses ever reaches ENS: the emulator's own
 * call counter is the witness, not our code's report.
 */

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { captureStdout } from "../helpers/capture-stdout.ts";
import { type EmulatorControl, emulatorControl } from "../helpers/emulator-client.ts";
import { fc3HttpEvent } from "../helpers/fc3-http-event.ts";

const credentials = { accessKeyId: "gr-ak", accessKeySecret: "gr-secret" };
const TOKEN = "guardrail-token-7c2e9a4f";
let emulator: EnsEmulator;
let control: EmulatorControl;

const POLICY = {
  version: 1,
  allowedSecurityGroups: ["sg-demo*"],
  allowedProtocols: ["tcp", "udp", "icmp"],
  maxPortSpan: 100,
  blockedPorts: [23, "135/139"],
  deniedDestinations: [{ cidr: "192.168.0.0/16" }],
  requireTicketFor: ["operator"],
};

function post(handler: BuiltHandler, body: unknown) {
  const headers = { authorization: `Bearer ${TOKEN}` };
  return handler(
    fc3HttpEvent({ path: "/rules", body: JSON.stringify(body), headers, requestId: "gr" }),
    createFcContext({ credentials, functionName: "http-intake" }),
  ) as Promise<{
    statusCode: number;
    body: string;
  }>;
}

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    securityGroups: ["sg-demo0001", "sg-other0001"],
    accessKeys: [{ id: credentials.accessKeyId, secret: credentials.accessKeySecret }],
  });
  control = emulatorControl(emulator.url);
});

afterAll(async () => {
  await emulator?.close();
});

describe("policy at cold start", () => {
  it("a policy with mistakes stops the function, naming each mistake", () => {
    const bad = JSON.stringify({ version: 1, maxPortSpn: 10, deniedDestinations: [{ cidr: "10.0.0.1/8" }] });
    let message = "";
    try {
      loadBuiltFunction("http-intake", { ENS_ENDPOINT: emulator.url, POLICY_JSON: bad });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^The guardrail policy from POLICY_JSON is invalid \(2 mistakes\)/);
    expect(message).toContain('maxPortSpn: unknown field (did you mean "maxPortSpan"?)');
    expect(message).toContain('deniedDestinations[0].cidr: "10.0.0.1/8" has host bits set');
  });

  it("POLICY_JSON that is not JSON stops the function too", () => {
    expect(() =>
      loadBuiltFunction("queue-worker", { ENS_ENDPOINT: emulator.url, POLICY_JSON: "{version:1" }),
    ).toThrow(/POLICY_JSON.*not valid JSON/s);
  });
});

describe("no refused rule reaches ENS", () => {
  it("holds for random rules under a strict policy, in enforce mode", async () => {
    const handler = loadBuiltFunction("http-intake", {
      ENS_ENDPOINT: emulator.url,
      API_TOKENS: TOKEN,
      POLICY_JSON: JSON.stringify(POLICY),
      LOG_LEVEL: "error",
    });
    const port = fc.integer({ min: 1, max: 400 });
    const ruleArb = fc.record({
      SecurityGroupId: fc.constantFrom("sg-demo0001", "sg-other0001"),
      IpProtocol: fc.constantFrom("tcp", "udp", "icmp", "gre", "all"),
      ports: fc.tuple(port, fc.integer({ min: 0, max: 300 })),
      DestCidrIp: fc.constantFrom("10.0.0.0/8", "192.168.1.0/24", "0.0.0.0/0", "172.16.0.0/12", "10.1.2.3"),
      Policy: fc.constantFrom("accept", "drop"),
      TicketId: fc.option(fc.constant("NET-1"), { nil: undefined }),
    });
    const capture = captureStdout();
    let refusedCount = 0;
    try {
      await fc.assert(
        fc.asyncProperty(ruleArb, async ({ ports, ...r }) => {
          const hasPorts = r.IpProtocol === "tcp" || r.IpProtocol === "udp";
          const body = { ...r, PortRange: hasPorts ? `${ports[0]}/${ports[0] + ports[1]}` : "-1/-1" };
          const before = await control.ensCalls();
          const answer = await post(handler, body);
          const calls = (await control.ensCalls()) - before;
          if (answer.statusCode === 403) {
            refusedCount++;
            expect(calls).toBe(0);
          } else {
            expect([200], answer.body).toContain(answer.statusCode);
          }
          // An independent oracle for the plainest refusals: these must never reach ENS.
          const oracleRefuses =
            r.SecurityGroupId === "sg-other0001" ||
            r.TicketId === undefined ||
            (r.Policy === "accept" &&
              (r.IpProtocol === "gre" || r.IpProtocol === "all" || r.DestCidrIp === "192.168.1.0/24"));
          if (oracleRefuses) expect(calls).toBe(0);
        }),
        { numRuns: 150, seed: 42 },
      );
    } finally {
      capture.stop();
    }
    expect(refusedCount).toBeGreaterThan(0);
  });

  it("DryRun never reaches ENS", async () => {
    const handler = loadBuiltFunction("http-intake", {
      ENS_ENDPOINT: emulator.url,
      API_TOKENS: TOKEN,
      LOG_LEVEL: "error",
    });
    const before = await control.ensCalls();
    const capture = captureStdout();
    try {
      const answer = await post(handler, {
        SecurityGroupId: "sg-demo0001",
        IpProtocol: "tcp",
        PortRange: "443/443",
        DestCidrIp: "10.0.0.0/8",
        DryRun: true,
      });
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body).results[0].outcome).toBe("dry_run");
    } finally {
      capture.stop();
    }
    expect(await control.ensCalls()).toBe(before);
  });
});
