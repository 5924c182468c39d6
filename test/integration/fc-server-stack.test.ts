import { type ChildProcessByStdio, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CONFIG_ENV_VARS } from "#shared/config-docs.ts";

// `npm start`'s entry (local/fc-server/cli.ts) as a child process on PORT=0, against the real built functions and
// the embedded ENS emulator: what a user gets after `npm ci && npm start`.
const repo = resolve(".");
const tsx = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
const cli = join(repo, "local/fc-server/cli.ts");
const dir = mkdtempSync(join(tmpdir(), "fc-stack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** The test runner's environment without anything the stack or the functions read, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const spec of CONFIG_ENV_VARS) delete env[spec.name];
  for (const name of Object.keys(env)) if (/^(LOCAL_FC_|ENS_EMULATOR_|PORT$)/.test(name)) delete env[name];
  return { ...env, ...extra };
}

function startCli(
  extra: Record<string, string>,
  cwd = repo,
): { child: Child; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, ["--import", tsx, cli], {
    cwd,
    env: cleanEnv(extra),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return { child, stdout: () => out, stderr: () => err };
}

function exitCode(child: Child): Promise<number | null> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null) resolveExit(child.exitCode);
    else child.once("exit", (code) => resolveExit(code));
  });
}

/** Resolves with the ready line's JSON, or rejects with what the process printed if it exits first. */
function ready(run: ReturnType<typeof startCli>): Promise<{ http: string; ens: string; audit: string }> {
  return new Promise((resolveReady, reject) => {
    const check = (): void => {
      const line = run
        .stdout()
        .split("\n")
        .find((l) => l.startsWith("ready "));
      if (line) {
        run.child.stdout.off("data", check);
        resolveReady(JSON.parse(line.slice("ready ".length)));
      }
    };
    run.child.stdout.on("data", check);
    run.child.once("exit", (code) => reject(new Error(`exited ${code} before ready: ${run.stderr()}`)));
  });
}

describe("npm start (local/fc-server/cli.ts)", () => {
  it("prints the ready line, serves the README demo, records the audit line, and exits 0 on SIGTERM", async () => {
    const audit = join(dir, "audit.jsonl");
    const run = startCli({ PORT: "0", AUDIT_FILE: audit });
    const urls = await ready(run);
    expect(urls.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.http).not.toBe("http://127.0.0.1:0");
    expect(urls.ens).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.audit).toBe(audit);

    const rule = {
      SecurityGroupId: "sg-demo0001",
      IpProtocol: "tcp",
      PortRange: "443/443",
      DestCidrIp: "10.0.0.0/8",
    };
    const response = await fetch(`${urls.http}/rules`, {
      method: "POST",
      headers: { authorization: "Bearer local-operator-token", "content-type": "application/json" },
      body: JSON.stringify(rule),
    });
    const answer = (await response.json()) as { results: Array<{ outcome: string; auditId: string }> };
    expect(response.status).toBe(200);
    expect(answer.results[0]?.outcome).toBe("created");

    const group = (await (await fetch(`${urls.ens}/__emulator/security-groups/sg-demo0001`)).json()) as {
      Permissions: Array<Record<string, unknown>>;
    };
    expect(group.Permissions).toEqual([expect.objectContaining(rule)]);

    const events = readFileSync(audit, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string; type: string; subject?: string });
    expect(events).toContainEqual(
      expect.objectContaining({
        id: answer.results[0]?.auditId,
        type: "ens.egress_rule.created",
        subject: "sg-demo0001",
      }),
    );

    const healthz = await fetch(`${urls.http}/healthz`);
    expect(healthz.status).toBe(200);

    run.child.kill("SIGTERM");
    expect(await exitCode(run.child)).toBe(0);
  });

  it("skips the emulator when ENS_ENDPOINT is set, saying so loudly", async () => {
    const run = startCli({
      PORT: "0",
      AUDIT_FILE: join(dir, "real.jsonl"),
      ENS_ENDPOINT: "http://127.0.0.1:9/",
      ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAI-test-key-id",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "not-printed-secret",
    });
    const urls = await ready(run);
    expect(urls.ens).toBe("http://127.0.0.1:9/");
    expect(run.stderr()).toContain("WARNING: ENS_ENDPOINT is set");
    expect(run.stderr()).not.toContain("not-printed-secret");
    run.child.kill("SIGINT");
    expect(await exitCode(run.child)).toBe(0);
  });
});

// Each start-up failure is its own process; they are independent, so they run side by side.
describe.concurrent("npm start start-up failures", () => {
  it("says in one line that the port is in use", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolveListen) => blocker.listen(0, "127.0.0.1", resolveListen));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = startCli({ PORT: String(port), AUDIT_FILE: join(dir, "busy.jsonl") });
      expect(await exitCode(run.child)).toBe(1);
      expect(run.stderr()).toBe(`error: port ${port} is in use (set PORT to another port)\n`);
    } finally {
      blocker.close();
    }
  });

  it("says in one line which variable of the functions' configuration is bad", async () => {
    const run = startCli({ PORT: "0", AUDIT_FILE: join(dir, "bad.jsonl"), RETRY_MAX_ATTEMPTS: "lots" });
    expect(await exitCode(run.child)).toBe(1);
    const lines = run.stderr().trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: bad configuration for dist\/(http-intake|queue-worker)\/index\.js: .*RETRY_MAX_ATTEMPTS/,
    );
  });

  it("says in one line that the build is missing", async () => {
    const empty = mkdtempSync(join(dir, "nodist-"));
    const run = startCli({ PORT: "0", AUDIT_FILE: join(dir, "nodist.jsonl") }, empty);
    expect(await exitCode(run.child)).toBe(1);
    expect(run.stderr()).toBe(
      "error: dist/http-intake/index.js is missing: the build did not produce it (run npm run build)\n",
    );
  });
});
