import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_ENV_VARS } from "#shared/config-docs.ts";
import { loadFunctionHandler } from "../../local/fc-server/function-loader.ts";
import { type FcServer, startFcServer } from "../../local/fc-server/server.ts";
import { type LocalStack, startLocalStack } from "../../local/fc-server/stack.ts";

// `npm run invoke` (local/invoke.ts) as a child process: against the real local stack (built functions + ENS
// emulator), and against a fixture server standing in for a real deployment.
const repo = resolve(".");
const tsx = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
const dir = mkdtempSync(join(tmpdir(), "invoke-cli-"));
let stack: LocalStack;
let fixtures: FcServer;

function invoke(
  args: string[],
  extra: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (/^(LOCAL_FC_|ALIBABA_CLOUD_|PORT$)/.test(name)) delete env[name];
  const child = spawn(process.execPath, ["--import", tsx, join(repo, "local/invoke.ts"), ...args], {
    cwd: repo,
    env: { ...env, ...extra },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolveRun) => child.once("close", (code) => resolveRun({ code, stdout, stderr })));
}

function eventFile(name: string, body: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

beforeAll(async () => {
  const saved = { ...process.env };
  for (const spec of CONFIG_ENV_VARS) delete process.env[spec.name];
  process.env.PORT = "0";
  process.env.AUDIT_FILE = join(dir, "audit.jsonl");
  try {
    stack = await startLocalStack({ cwd: repo, log: () => {}, writeFunctionLog: () => {} });
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
  fixtures = await startFcServer({
    port: 0,
    serviceName: "ens-egress",
    httpFunction: "http-intake",
    functions: [
      {
        name: "queue-worker",
        handler: loadFunctionHandler(resolve("test/fixtures/functions/queue-worker/index.js")),
        timeoutSeconds: 5,
        memoryMb: 512,
      },
    ],
    fcKey: { accessKeyId: "deployed-ak", accessKeySecret: "deployed-secret" },
    accountId: "5550001112223334",
    region: "cn-shanghai",
    credentials: { accessKeyId: "a", accessKeySecret: "b" },
    log: () => {},
    writeFunctionLog: () => {},
  });
});

afterAll(async () => {
  await stack?.close();
  await fixtures?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("npm run invoke -- <function> <event-file>", () => {
  it("invokes queue-worker on the local stack through @alicloud/fc2 and prints the response", async () => {
    const port = new URL(stack.http).port;
    const run = await invoke(["queue-worker", "events/queue/direct-invoke.json"], { PORT: port });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^ok, request id 1-[0-9a-f]{8}-/m);
    const printed = JSON.parse(run.stdout) as unknown;
    expect(JSON.stringify(printed)).toContain('"outcome":"created"');
  });

  it("targets a real deployment with --endpoint, --account-id, --region and the environment's key", async () => {
    const event = eventFile("ok.json", { n: 7 });
    const args = [
      "queue-worker",
      event,
      "--endpoint",
      fixtures.url,
      "--account-id",
      "5550001112223334",
      "--region",
      "cn-shanghai",
    ];
    const run = await invoke(args, {
      ALIBABA_CLOUD_ACCESS_KEY_ID: "deployed-ak",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "deployed-secret",
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, received: { n: 7 } });
  });

  it("exits non-zero and prints FC's error payload on a function error", async () => {
    const event = eventFile("fail.json", { failTimes: 1 });
    const args = [
      "queue-worker",
      event,
      "--endpoint",
      fixtures.url,
      "--account-id",
      "5550001112223334",
      "--region",
      "cn-shanghai",
    ];
    const run = await invoke(args, {
      ALIBABA_CLOUD_ACCESS_KEY_ID: "deployed-ak",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "deployed-secret",
    });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ errorMessage: "fixture failure on attempt 1" });
    expect(run.stderr).toContain("function error (UnhandledInvocationError)");
  });

  it("sends an Async invocation with --async", async () => {
    const event = eventFile("async.json", { n: 1 });
    const args = [
      "queue-worker",
      event,
      "--async",
      "--endpoint",
      fixtures.url,
      "--account-id",
      "5550001112223334",
      "--region",
      "cn-shanghai",
    ];
    const run = await invoke(args, {
      ALIBABA_CLOUD_ACCESS_KEY_ID: "deployed-ak",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "deployed-secret",
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^accepted: asynchronous invocation 1-/);
  });

  it("is refused with a wrong key, and says so", async () => {
    const event = eventFile("wrong.json", {});
    const args = [
      "queue-worker",
      event,
      "--endpoint",
      fixtures.url,
      "--account-id",
      "5550001112223334",
      "--region",
      "cn-shanghai",
    ];
    const run = await invoke(args, {
      ALIBABA_CLOUD_ACCESS_KEY_ID: "deployed-ak",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "stolen-guess",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: FCSignatureNotMatchError");
  });

  it("explains its usage on a usage error (exit 2)", async () => {
    const run = await invoke(["queue-worker"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("usage: npm run invoke --");
  });
});
