/**
 * The benchmark's ENS emulator, in a process of its own (`local/ens-emulator/cli.ts`), as ENS runs on machines
 * of its own. Inside the bench process it shared an event loop with the harness, and measured batches came out
 * about 3 % slower (88.4 % against 91.7 % of the ideal rate in one run of each, bare calls 94-95 % either way);
 * a figure of the function should not depend on what else the harness process holds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

/** A running emulator process; `stop()` ends it and waits for it to exit. */
export interface EmulatorProcess {
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/** Starts the emulator CLI on a free loopback port with `args`; resolves once it has printed its ready line. */
export function startEmulatorProcess(root: string, args: readonly string[]): Promise<EmulatorProcess> {
  const cli = resolve(root, "local", "ens-emulator", "cli.ts");
  // The same loader flags as this process (tsx), so the emulator runs from its TypeScript sources.
  const child = spawn(process.execPath, [...process.execArgv, cli, "--port", "0", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolvePromise, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => fail(`no ready line after ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`ENS emulator process: ${why}; stderr: ${stderr.trim() || "(empty)"}`));
    };
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const line = /^ready (\{.*\})$/m.exec(stdout);
      if (!line) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners("data").resume();
      const { ens } = JSON.parse(line[1]!) as { ens: string };
      resolvePromise({ url: ens, stop: () => stopChild(child) });
    });
    child.on("error", (error) => fail(`cannot start: ${error.message}`));
    child.on("exit", (code, signal) => fail(`exited with ${code ?? signal} before it was ready`));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    child.removeAllListeners("exit");
    child.on("exit", () => resolvePromise());
    child.kill("SIGTERM");
  });
}
