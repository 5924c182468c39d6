import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONFIG_ENV_VARS } from "#shared/config-docs.ts";
import { LocalStackError } from "../../../local/fc-server/errors.ts";
import { type EmulatorModule, formatReadyLine, startLocalStack } from "../../../local/fc-server/stack.ts";

// The stack's wiring with the fixture functions and a stub emulator: which environment the functions see at
// cold start, what the emulator is started with, and that closing undoes both.
const dir = mkdtempSync(join(tmpdir(), "fc-stack-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const saved = { ...process.env };

beforeEach(() => {
  for (const spec of CONFIG_ENV_VARS) delete process.env[spec.name];
  for (const name of Object.keys(process.env))
    if (/^(LOCAL_FC_|ENS_EMULATOR_|PORT$)/.test(name)) delete process.env[name];
  process.env.PORT = "0";
  process.env.AUDIT_FILE = join(dir, "audit.jsonl");
});
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

function stubEmulator() {
  const started: Array<Record<string, unknown>> = [];
  let closed = 0;
  const module: EmulatorModule = {
    startEnsEmulator: async (options) => {
      started.push(options);
      return {
        url: "http://127.0.0.1:4999",
        close: async () => {
          closed += 1;
        },
      };
    },
    parseAccessKeys: (spec) =>
      spec.split(",").map((entry) => {
        const [id = "", secret = ""] = entry.split(":");
        return { id, secret };
      }),
  };
  return { module, started, closed: () => closed };
}

const base = { distDir: resolve("test/fixtures/functions"), log: () => {}, writeFunctionLog: () => {} };

describe("startLocalStack", () => {
  it("starts the emulator with the demo groups and gives the functions the demo environment at cold start", async () => {
    const emulator = stubEmulator();
    process.env.API_TOKENS = "mine";
    const stack = await startLocalStack({ ...base, emulator: emulator.module });
    try {
      expect(emulator.started).toEqual([
        {
          port: 0,
          host: "127.0.0.1",
          accessKeys: [{ id: "local-ak", secret: "local-secret" }],
          securityGroups: ["sg-demo0001", "sg-demo0002"],
        },
      ]);
      expect(formatReadyLine(stack)).toBe(
        `ready {"http":"${stack.http}","ens":"http://127.0.0.1:4999","audit":"${join(dir, "audit.jsonl")}","jira":"${stack.jira}","servicenow":"${stack.servicenow}"}`,
      );
      expect(stack.jira).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const seen = (await (await fetch(`${stack.http}/env`)).json()) as {
        loadedEnv: Record<string, string>;
        context: { credentials: Record<string, string> };
      };
      expect(seen.loadedEnv).toEqual({
        ENS_ENDPOINT: "http://127.0.0.1:4999",
        AUDIT_FILE: join(dir, "audit.jsonl"),
        API_TOKENS: "mine",
        ALIBABA_CLOUD_ACCESS_KEY_ID: "local-ak",
      });
      expect(seen.context.credentials).toEqual({ accessKeyId: "local-ak", accessKeySecret: "local-secret" });
    } finally {
      await stack.close();
    }
    expect(emulator.closed()).toBe(1);
    expect(process.env.ENS_ENDPOINT).toBeUndefined();
    expect(process.env.JIRA_WEBHOOK_SECRETS).toBeUndefined();
    expect(process.env.API_TOKENS).toBe("mine");
  });

  it("hands the functions the first ENS_EMULATOR_ACCESS_KEYS key", async () => {
    const emulator = stubEmulator();
    process.env.ENS_EMULATOR_ACCESS_KEYS = "k1:s1,k2:s2";
    const stack = await startLocalStack({ ...base, emulator: emulator.module });
    try {
      const seen = (await (await fetch(`${stack.http}/env`)).json()) as { context: { credentials: unknown } };
      expect(seen.context.credentials).toEqual({ accessKeyId: "k1", accessKeySecret: "s1" });
    } finally {
      await stack.close();
    }
  });

  it("skips the emulator when ENS_ENDPOINT is set and uses the environment's credentials, loudly", async () => {
    const emulator = stubEmulator();
    const lines: string[] = [];
    Object.assign(process.env, {
      ENS_ENDPOINT: "https://ens.example.test",
      ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAIexample1234",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "real-secret",
    });
    const stack = await startLocalStack({ ...base, emulator: emulator.module, log: (l) => lines.push(l) });
    try {
      expect(emulator.started).toEqual([]);
      expect(stack).toMatchObject({ ens: "https://ens.example.test", emulated: false });
      expect(lines.join("\n")).toMatch(/^WARNING: ENS_ENDPOINT is set \(https:\/\/ens\.example\.test\)/);
      expect(lines.join("\n")).not.toContain("real-secret");
    } finally {
      await stack.close();
    }
  });

  it("refuses ENS_ENDPOINT without credentials, starting nothing", async () => {
    const emulator = stubEmulator();
    process.env.ENS_ENDPOINT = "https://ens.example.test";
    const error = await startLocalStack({ ...base, emulator: emulator.module }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as LocalStackError).code).toBe("LocalConfig");
    expect(emulator.started).toEqual([]);
  });

  it("closes the emulator and restores the environment when a function cannot load", async () => {
    const emulator = stubEmulator();
    const error = await startLocalStack({
      ...base,
      distDir: join(dir, "nothing"),
      emulator: emulator.module,
    }).catch((thrown: unknown) => thrown);
    expect((error as LocalStackError).code).toBe("BuildMissing");
    expect(emulator.closed()).toBe(1);
    expect(process.env.ENS_ENDPOINT).toBeUndefined();
  });
});
