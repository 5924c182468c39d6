/**
 * Load: 200 concurrent HTTP requests against the whole local stack (FC server + built http-intake + ENS emulator)
 * over real sockets. Every one is answered correctly, every rule exists once, every decision is audited, and the
 * process's memory stays bounded. No timing is asserted: the machine is shared.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../local/fc-server/stack.ts";
import { captureStdout, type StdoutCapture } from "../helpers/capture-stdout.ts";

const REQUESTS = 200;
let stack: LocalStack;
let capture: StdoutCapture;
const saved = { ...process.env };

beforeAll(async () => {
  const cwd = mkdtempSync(join(tmpdir(), "ens-egress-load-"));
  for (const key of Object.keys(process.env)) {
    if (/^(ENS_|AUDIT_|API_TOKENS|POLICY_|ALIBABA_CLOUD_|LOCAL_FC_)/.test(key)) delete process.env[key];
  }
  process.env.PORT = "0";
  capture = captureStdout();
  stack = await startLocalStack({ cwd, distDir: resolve("dist"), log: () => {}, writeFunctionLog: () => {} });
});

afterAll(async () => {
  await stack?.close();
  capture?.stop();
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

it(`answers ${REQUESTS} concurrent requests correctly with bounded memory`, async () => {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const requests = Array.from({ length: REQUESTS }, (_, i) => {
    const rule = {
      SecurityGroupId: i % 2 === 0 ? "sg-demo0001" : "sg-demo0002",
      IpProtocol: "tcp",
      PortRange: `${10000 + i}/${10000 + i}`,
      DestCidrIp: "10.0.0.0/8",
      TicketId: `LOAD-${i}`,
    };
    return fetch(`${stack.http}/rules`, {
      method: "POST",
      headers: { authorization: "Bearer local-operator-token", "content-type": "application/json" },
      body: JSON.stringify(rule),
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as { results: Array<{ outcome: string; auditId: string }> },
    }));
  });
  const answers = await Promise.all(requests);
  expect(answers.map((a) => a.status)).toEqual(Array(REQUESTS).fill(200));
  expect(answers.map((a) => a.body.results[0]?.outcome)).toEqual(Array(REQUESTS).fill("created"));
  const auditIds = new Set(answers.map((a) => a.body.results[0]?.auditId));
  expect(auditIds.size).toBe(REQUESTS);

  const groups = await Promise.all(
    ["sg-demo0001", "sg-demo0002"].map(
      async (id) =>
        (await (await fetch(`${stack.ens}/__emulator/security-groups/${id}`)).json()) as {
          Permissions: unknown[];
        },
    ),
  );
  expect(groups.reduce((n, g) => n + g.Permissions.length, 0)).toBe(REQUESTS);

  const audited = readFileSync(stack.audit, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line).id);
  expect(new Set(audited)).toEqual(auditIds);

  global.gc?.();
  const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  expect(growthMb).toBeLessThan(64);
});
