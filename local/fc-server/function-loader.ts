/**
 * Loads a built function bundle (`dist/<name>/index.js`) the way FC does: as CommonJS, once per instance, running
 * its cold start (configuration is read from `process.env` at load).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, relative } from "node:path";
import { compileFunction, constants } from "node:vm";
import { LocalStackError } from "./errors.ts";

/** An FC 3.0 handler: `(event: Buffer, context) => Promise<result>`. */
export type FcHandler = (event: Buffer, context: unknown) => unknown;

type CommonJsWrapper = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void;

function describeConfigError(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const { code, name, message, variable } = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    variable?: unknown;
  };
  const isConfig = code === "ConfigError" || (typeof name === "string" && name.endsWith("ConfigError"));
  if (!isConfig) return null;
  const text = typeof message === "string" ? message.split("\n")[0] : "invalid configuration";
  return typeof variable === "string" && !text?.includes(variable) ? `${variable}: ${text}` : (text ?? "");
}

/**
 * Evaluates the bundle with a CommonJS wrapper and returns its `handler` export. The repository's package.json
 * says `"type": "module"`, so a plain `require()` would treat `dist/<name>/index.js` as ESM; FC (a zip with no
 * package.json) treats it as CommonJS, so we compile it as CommonJS explicitly. Each call is a fresh cold start.
 */
export function loadFunctionHandler(file: string, displayRoot: string = process.cwd()): FcHandler {
  const shown = relative(displayRoot, file) || file;
  if (!existsSync(file)) {
    throw new LocalStackError(
      "BuildMissing",
      `${shown} is missing: the build did not produce it (run npm run build)`,
    );
  }
  const module: { exports: unknown } = { exports: {} };
  try {
    const wrapper = compileFunction(
      readFileSync(file, "utf8"),
      ["exports", "require", "module", "__filename", "__dirname"],
      {
        filename: file,
        importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      },
    ) as unknown as CommonJsWrapper;
    wrapper(module.exports, createRequire(file), module, file, dirname(file));
  } catch (error) {
    const config = describeConfigError(error);
    if (config !== null) {
      throw new LocalStackError("FunctionConfig", `bad configuration for ${shown}: ${config}`, {
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new LocalStackError("BuildBroken", `${shown} is broken and cannot be loaded: ${reason}`, {
      cause: error,
    });
  }
  const handler = (module.exports as { handler?: unknown } | null)?.handler;
  if (typeof handler !== "function") {
    throw new LocalStackError(
      "BuildBroken",
      `${shown} does not export a handler function (expected exports.handler)`,
    );
  }
  return handler as FcHandler;
}
