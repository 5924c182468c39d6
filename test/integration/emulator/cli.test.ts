/**
 * `npm run emulator` as a user runs it: a child process that prints the ready line, serves the control API and
 * the real API, and exits 0 on SIGINT or SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createCaller, expectFailure } from "./support/official-clients.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const READY = /^ready (\{"ens":"http:\/\/127\.0\.0\.1:\d+"\})$/m;

interface RunningCli {
  child: ChildProcess;
  url: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function run(command: string, args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = READY.exec(stdout);
      if (match) resolve((JSON.parse(match[1] as string) as { ens: string }).ens);
    });
    exit.then(({ code }) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
  });
  return { child, url, exit, stderr: () => stderr };
}

function runCli(args: string[], env: Record<string, string> = {}): RunningCli {
  return run(process.execPath, ["--import", "tsx", "local/ens-emulator/cli.ts", ...args], env);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}

describe("ens-emulator CLI", () => {
  it("prints the ready line for --port, serves the control API, and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const cli = runCli([
      "--port",
      String(port),
      "--security-group",
      "sg-cli1,sg-cli2",
      "--seed",
      "9",
      "--latency-ms",
      "0",
    ]);
    const url = await cli.url;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const group = await fetch(`${url}/__emulator/security-groups/sg-cli2`);
    expect(await group.json()).toEqual({
      SecurityGroupId: "sg-cli2",
      Permissions: [],
    });
    const faults = await fetch(`${url}/__emulator/faults`);
    expect(await faults.json()).toEqual({ seed: 9, latencyMs: 0, jitterMs: 0, faults: [] });
    cli.child.kill("SIGTERM");
    expect(await cli.exit).toEqual({ code: 0, signal: null });
  });

  it("exits 0 on SIGINT", async () => {
    const cli = runCli(["--port", "0"]);
    await cli.url;
    cli.child.kill("SIGINT");
    expect(await cli.exit).toEqual({ code: 0, signal: null });
  });

  it("accepts the keys of ENS_EMULATOR_ACCESS_KEYS, and only those", async () => {
    const cli = runCli(["--port", "0", "--security-group", "sg-env"], {
      ENS_EMULATOR_ACCESS_KEYS: "env-ak:env-secret,sts-ak:sts-secret:sts-token",
    });
    const url = await cli.url;
    const sts = createCaller("openapi-core V3", url, {
      accessKeyId: "sts-ak",
      accessKeySecret: "sts-secret",
      securityToken: "sts-token",
    });
    expect(
      (await sts.call("DescribeSecurityGroupAttribute", { SecurityGroupId: "sg-env" })).SecurityGroupId,
    ).toBe("sg-env");
    const plain = createCaller("pop-core V1 GET", url, {
      accessKeyId: "env-ak",
      accessKeySecret: "env-secret",
    });
    expect(
      (await plain.call("DescribeSecurityGroupAttribute", { SecurityGroupId: "sg-env" })).SecurityGroupId,
    ).toBe("sg-env");
    const defaultKey = createCaller("pop-core V1 GET", url, {
      accessKeyId: "local-ak",
      accessKeySecret: "local-secret",
    });
    expect(
      (await expectFailure(defaultKey.call("DescribeSecurityGroupAttribute", { SecurityGroupId: "sg-env" })))
        .code,
    ).toBe("InvalidAccessKeyId.NotFound");
    cli.child.kill("SIGTERM");
    expect((await cli.exit).code).toBe(0);
  });

  it("uses local-ak:local-secret by default and --access-key when given", async () => {
    const defaults = runCli(["--port", "0", "--security-group", "sg-d"], { ENS_EMULATOR_ACCESS_KEYS: "" });
    const flagged = runCli([
      "--port",
      "0",
      "--security-group",
      "sg-d",
      "--access-key",
      "flag-ak:flag-secret",
    ]);
    const [defaultUrl, flaggedUrl] = await Promise.all([defaults.url, flagged.url]);
    const local = { accessKeyId: "local-ak", accessKeySecret: "local-secret" };
    expect(
      (
        await createCaller("pop-core V1 POST", defaultUrl, local).call("DescribeSecurityGroupAttribute", {
          SecurityGroupId: "sg-d",
        })
      ).SecurityGroupId,
    ).toBe("sg-d");
    const flag = { accessKeyId: "flag-ak", accessKeySecret: "flag-secret" };
    expect(
      (
        await createCaller("pop-core V1 POST", flaggedUrl, flag).call("DescribeSecurityGroupAttribute", {
          SecurityGroupId: "sg-d",
        })
      ).SecurityGroupId,
    ).toBe("sg-d");
    defaults.child.kill("SIGTERM");
    flagged.child.kill("SIGTERM");
    expect([(await defaults.exit).code, (await flagged.exit).code]).toEqual([0, 0]);
  });

  it("refuses a bad argument with exit code 2 and the usage", async () => {
    const cli = runCli(["--port", "not-a-port"]);
    await expect(cli.url).rejects.toThrow(/exited 2/);
    expect((await cli.exit).code).toBe(2);
    expect(cli.stderr()).toContain("--port");
    expect(cli.stderr()).toContain("Usage: npm run emulator");
  });

  it("runs through `npm run emulator --`, and does not outlive npm", async () => {
    const cli = run("npm", ["run", "--silent", "emulator", "--", "--port", "0"]);
    const url = await cli.url;
    expect((await fetch(`${url}/__emulator/stats`)).status).toBe(200);
    cli.child.kill("SIGTERM");
    await cli.exit;
    // npm runs the script through `sh -c`; the emulator notices its parent is gone and stops.
    for (;;) {
      const alive = await fetch(`${url}/__emulator/stats`).then(
        () => true,
        () => false,
      );
      if (!alive) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
