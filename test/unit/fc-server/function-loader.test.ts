import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalStackError } from "../../../local/fc-server/errors.ts";
import { loadFunctionHandler } from "../../../local/fc-server/function-loader.ts";

const dir = mkdtempSync(join(tmpdir(), "fc-loader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bundle(name: string, source: string): string {
  mkdirSync(join(dir, name), { recursive: true });
  const file = join(dir, name, "index.js");
  writeFileSync(file, source);
  return file;
}

function failure(file: string): LocalStackError {
  try {
    loadFunctionHandler(file, dir);
  } catch (error) {
    if (error instanceof LocalStackError) return error;
    throw error;
  }
  throw new Error("expected a LocalStackError");
}

describe("loadFunctionHandler", () => {
  it("loads a CommonJS bundle even inside a type:module package, and can require built-ins", async () => {
    const handler = loadFunctionHandler(resolve("test/fixtures/functions/queue-worker/index.js"));
    const result = await handler(Buffer.from("{}"), {
      requestId: "r",
      function: { timeout: 3 },
      logger: { info() {} },
    });
    expect(result).toMatchObject({ ok: true, attempt: 1, requestId: "r" });
  });

  it("gives each load a fresh cold start", () => {
    const file = bundle(
      "counter",
      "globalThis.__loads = (globalThis.__loads ?? 0) + 1; exports.handler = async () => process.env.X;",
    );
    loadFunctionHandler(file, dir);
    loadFunctionHandler(file, dir);
    expect((globalThis as { __loads?: number }).__loads).toBe(2);
  });

  it("reports a missing bundle as BuildMissing", () => {
    const error = failure(join(dir, "absent", "index.js"));
    expect(error.code).toBe("BuildMissing");
    expect(error.message).toBe(
      "absent/index.js is missing: the build did not produce it (run npm run build)",
    );
  });

  it("reports a syntax error as BuildBroken on one line", () => {
    const error = failure(bundle("syntax", "exports.handler = async () => {;\n"));
    expect(error.code).toBe("BuildBroken");
    expect(error.message).toMatch(/^syntax\/index\.js is broken and cannot be loaded: /);
    expect(error.message).not.toContain("\n");
  });

  it("reports a bundle without a handler export", () => {
    expect(failure(bundle("nohandler", "exports.other = 1;")).code).toBe("BuildBroken");
  });

  it("reports a ConfigError thrown at cold start as FunctionConfig naming the variable", () => {
    const source =
      'const e = new Error("RETRY_MAX_ATTEMPTS must be a whole number from 1 to 20 (got \\"abc\\")");' +
      'e.name = "ConfigError"; e.code = "ConfigError"; e.variable = "RETRY_MAX_ATTEMPTS"; throw e;';
    const error = failure(bundle("config", source));
    expect(error.code).toBe("FunctionConfig");
    expect(error.message).toBe(
      'bad configuration for config/index.js: RETRY_MAX_ATTEMPTS must be a whole number from 1 to 20 (got "abc")',
    );
  });
});
