import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditSinkError } from "#shared/adapters/audit/audit-sink-error.ts";
import { createFileSink } from "#shared/adapters/audit/file-sink.ts";
import {
  createHttpSink,
  decodeWebhookSecret,
  signStandardWebhook,
} from "#shared/adapters/audit/http-sink.ts";
import { createLogSink } from "#shared/adapters/audit/log-sink.ts";
import { buildAuditEvent } from "#shared/domain/audit-event.ts";
import type { AuditEvent } from "#shared/ports.ts";
import { DECISIONS, DELIVERY } from "./fixtures.ts";

const EVENT: AuditEvent = buildAuditEvent({
  source: "s",
  time: new Date(0),
  delivery: DELIVERY,
  data: DECISIONS.created,
});
const far = () => Date.now() + 60_000;

describe("log sink", () => {
  it("writes the bare CloudEvent as one line", async () => {
    const lines: string[] = [];
    await createLogSink((line) => lines.push(line)).write(EVENT, { deadline: far() });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(JSON.parse(lines[0] ?? "")).toEqual(EVENT);
  });
});

describe("file sink", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("creates the directory and appends one line per event", async () => {
    const dir = await mkdtemp(join(tmpdir(), "audit-file-"));
    dirs.push(dir);
    const path = join(dir, "nested", "deeper", "audit.jsonl");
    const sink = createFileSink(path);
    await sink.write(EVENT, { deadline: far() });
    await Promise.all([sink.write(EVENT, { deadline: far() }), sink.write(EVENT, { deadline: far() })]);
    const lines = (await readFile(path, "utf8")).split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1).map((line) => (JSON.parse(line) as AuditEvent).id)).toEqual([
      EVENT.id,
      EVENT.id,
      EVENT.id,
    ]);
  });

  it("rejects with a retryable AuditSinkError when it cannot write", async () => {
    const dir = await mkdtemp(join(tmpdir(), "audit-file-"));
    dirs.push(dir);
    // A file where the directory should be.
    await writeFile(join(dir, "blocker"), "x");
    const sink = createFileSink(join(dir, "blocker", "audit.jsonl"));
    const error = await sink.write(EVENT, { deadline: far() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditSinkError);
    expect(error).toMatchObject({ code: "AuditSinkIoError", sink: "file", retryable: true });
  });
});

describe("Standard Webhooks signing", () => {
  it("reproduces the specification's test vector", () => {
    const key = decodeWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    expect(signStandardWebhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')).toBe(
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
  });

  it.each([
    "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "whsec_",
    "whsec_not base64!!",
    "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  ])("refuses the malformed secret %j without echoing it", (secret) => {
    const error = (() => {
      try {
        createHttpSink({ url: "http://127.0.0.1:1/", secret, timeoutMs: 100 });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(AuditSinkError);
    expect((error as AuditSinkError).code).toBe("AuditSinkConfigError");
    if (secret.length > 6) expect((error as Error).message).not.toContain(secret.slice(6));
  });

  it("makes no request when the deadline has passed", async () => {
    const sink = createHttpSink({
      url: "http://127.0.0.1:1/",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      timeoutMs: 100,
    });
    await expect(sink.write(EVENT, { deadline: Date.now() - 1 })).rejects.toMatchObject({
      code: "DeadlineExceeded",
    });
  });
});
