/**
 * Issue 2's acceptance, through the interface a platform uses: the built `dist/queue-worker/index.js`, invoked
 * directly with an FC-like context, against the signature-checking ENS emulator over loopback.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EnsEmulator, startEnsEmulator } from "../../local/ens-emulator/index.ts";
import { type BuiltHandler, createFcContext, loadBuiltFunction } from "../helpers/built-function.ts";
import { type EmulatorControl, emulatorControl, readAuditEvents } from "../helpers/emulator-client.ts";

const MAX_ATTEMPTS = 4;
const credentials = { accessKeyId: "it-ak", accessKeySecret: "it-secret", securityToken: "it-sts-token" };
let emulator: EnsEmulator;
let control: EmulatorControl;
let handler: BuiltHandler;
let auditFile: string;

async function invoke(body: unknown): Promise<{ result?: any; error?: Error }> {
  try {
    return { result: await handler(Buffer.from(JSON.stringify(body)), createFcContext({ credentials })) };
  } catch (error) {
    return { error: error as Error };
  }
}

const rule = (port: number, sg = "sg-demo0001") => ({
  SecurityGroupId: sg,
  IpProtocol: "tcp",
  PortRange: `${port}/${port}`,
  DestCidrIp: "10.0.0.0/8",
});

beforeAll(async () => {
  emulator = await startEnsEmulator({
    port: 0,
    accessKeys: [
      {
        id: credentials.accessKeyId,
        secret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
      },
    ],
  });
  control = emulatorControl(emulator.url);
  auditFile = join(mkdtempSync(join(tmpdir(), "ens-egress-it-")), "audit.jsonl");
  handler = loadBuiltFunction("queue-worker", {
    ENS_ENDPOINT: emulator.url,
    AUDIT_FILE: auditFile,
    RETRY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    RETRY_BASE_MS: "1",
    RETRY_MAX_DELAY_MS: "5",
    ENS_ATTEMPT_TIMEOUT_MS: "1000",
    LOG_LEVEL: "error",
  });
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(async () => {
  await control.call("POST", "reset");
  await control.call("POST", "security-groups", { SecurityGroupId: "sg-demo0001" });
});

function lastEvent(): Record<string, any> {
  const events = readAuditEvents(auditFile);
  const event = events.at(-1);
  expect(event).toBeDefined();
  return event as Record<string, any>;
}

describe("built queue-worker against the ENS emulator", () => {
  it("created: one call, rule visible in the group, valid audit event", async () => {
    const { result } = await invoke(rule(443));
    expect(result.messages[0].rules[0]).toMatchObject({ outcome: "created", attempts: 1 });
    expect(await control.ensCalls()).toBe(1);
    const group = (await control.call("GET", "security-groups/sg-demo0001")) as {
      Permissions: unknown[];
    };
    expect(group.Permissions).toHaveLength(1);
    const event = lastEvent();
    expect(event).toMatchObject({
      specversion: "1.0",
      type: "ens.egress_rule.created",
      subject: "sg-demo0001",
    });
    expect(event.data).toMatchObject({ outcome: "created", attempts: 1, errorCode: null });
    expect(event.data.ensRequestIds).toHaveLength(1);
  });

  it("already_exists: the identical rule again is found by the read and settles without a write", async () => {
    await invoke(rule(443));
    const { result } = await invoke(rule(443));
    expect(result.messages[0].rules[0]).toMatchObject({ outcome: "already_exists", attempts: 0 });
    expect(await control.ensCalls()).toBe(1);
    expect(await control.ensReads()).toBe(2);
    expect(lastEvent().data).toMatchObject({ errorCode: null, mayHaveCreated: false });
  });

  it("already_exists: a rule ENS refuses as a duplicate after all (stored between read and write) is still already_exists", async () => {
    await control.call("PUT", "faults", {
      seed: 1,
      faults: [
        {
          action: "AuthorizeSecurityGroupEgress",
          kind: "error",
          code: "SecurityGroupRuleConflict.Duplicated",
          rate: 1,
          count: 1,
        },
      ],
    });
    const { result } = await invoke(rule(4443));
    expect(result.messages[0].rules[0]).toMatchObject({ outcome: "already_exists", attempts: 1 });
    expect(lastEvent().data).toMatchObject({ outcome: "already_exists", mayHaveCreated: false });
  });

  it("invalid: refused with no ENS call", async () => {
    const { result } = await invoke({ ...rule(443), PortRange: "0/22" });
    expect(result.messages[0].rules[0]).toMatchObject({
      outcome: "rejected",
      errorCode: "InvalidRequest",
      attempts: 0,
    });
    expect(await control.ensCalls()).toBe(0);
    expect(lastEvent().data.outcome).toBe("rejected");
  });

  it("missing group: InvalidSecurityGroupId.NotFound from the read, and no write", async () => {
    const { result, error } = await invoke(rule(443, "sg-doesnotexist"));
    expect(error).toBeUndefined();
    expect(result.messages[0].rules[0]).toMatchObject({
      outcome: "failed",
      errorCode: "InvalidSecurityGroupId.NotFound",
    });
    expect(await control.ensReads()).toBe(1);
    expect(await control.ensCalls()).toBe(0);
  });

  for (const code of ["NoPermission", "InvalidParameter", "MissingParameter", "AuthorizationLimitExceed"]) {
    it(`permanent ${code}: exactly one call, outcome failed, message acknowledged`, async () => {
      await control.call("PUT", "faults", {
        seed: 1,
        faults: [{ action: "AuthorizeSecurityGroupEgress", kind: "error", code, rate: 1 }],
      });
      const { result, error } = await invoke(rule(8443));
      expect(error).toBeUndefined();
      expect(result.messages[0].rules[0]).toMatchObject({ outcome: "failed", errorCode: code, attempts: 1 });
      expect(await control.ensCalls()).toBe(1);
      expect(lastEvent().data).toMatchObject({ outcome: "failed", errorCode: code, attempts: 1 });
    });
  }

  for (const code of ["ens.interface.error", "Throttling.User"]) {
    it(`${code} then success: created after a retry`, async () => {
      await control.call("PUT", "faults", {
        seed: 1,
        faults: [{ action: "AuthorizeSecurityGroupEgress", kind: "error", code, rate: 1, count: 2 }],
      });
      const { result } = await invoke(rule(9443));
      expect(result.messages[0].rules[0]).toMatchObject({ outcome: "created", attempts: 3 });
      expect(await control.ensCalls()).toBe(3);
      expect(lastEvent().data.ensRequestIds).toHaveLength(3);
    });
  }

  it("lost answer then duplicate: already_exists that this delivery may have created, attempts 2", async () => {
    await control.call("PUT", "faults", {
      seed: 1,
      faults: [
        {
          action: "AuthorizeSecurityGroupEgress",
          kind: "commit-then-error",
          code: "ens.interface.error",
          rate: 1,
          count: 1,
        },
      ],
    });
    const { result } = await invoke(rule(7443));
    expect(result.messages[0].rules[0]).toMatchObject({ outcome: "already_exists", attempts: 2 });
    expect(lastEvent().data).toMatchObject({ outcome: "already_exists", mayHaveCreated: true });
    const group = (await control.call("GET", "security-groups/sg-demo0001")) as {
      Permissions: unknown[];
    };
    expect(group.Permissions).toHaveLength(1);
  });

  it("transient forever: exactly RETRY_MAX_ATTEMPTS calls, outcome failed, and the invocation throws", async () => {
    await control.call("PUT", "faults", {
      seed: 1,
      faults: [
        { action: "AuthorizeSecurityGroupEgress", kind: "error", code: "ens.interface.error", rate: 1 },
      ],
    });
    const { error } = await invoke(rule(6443));
    expect(error?.message).toMatch(/redelivery/);
    expect(await control.ensCalls()).toBe(MAX_ATTEMPTS);
    expect(lastEvent().data).toMatchObject({
      outcome: "failed",
      errorCode: "ens.interface.error",
      attempts: MAX_ATTEMPTS,
    });
  });

  it("keeps secrets out of the audit trail", async () => {
    await invoke(rule(443));
    const text = readFileSync(auditFile, "utf8");
    expect(text).not.toContain(credentials.accessKeySecret);
    expect(text).not.toContain(credentials.securityToken);
  });
});
