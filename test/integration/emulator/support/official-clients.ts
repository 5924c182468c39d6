/**
 * Thin wrappers around the official Alibaba Cloud SDK clients, so the emulator tests exercise signatures that
 * nobody in this project wrote: `@alicloud/pop-core` (V1, GET or POST), `@alicloud/openapi-core` (V3 by
 * default, V1 with `signatureAlgorithm: "v2"`) and `@alicloud/openapi-client` (the older generation).
 */
import { createRequire } from "node:module";
import { ensRpcParams } from "../../../helpers/openapi-sdk.ts";

const require = createRequire(import.meta.url);
// Loaded with require: these are CommonJS packages whose class is `module.exports` or `exports.default`.
const PopCore = require("@alicloud/pop-core") as new (
  config: Record<string, unknown>,
) => { request<T>(action: string, params: object, options?: object): Promise<T> };
const OpenApiCore = require("@alicloud/openapi-core") as typeof import("@alicloud/openapi-core");
const OpenApiClient = require("@alicloud/openapi-client") as typeof import("@alicloud/openapi-client");

/** Credentials for a client; the token makes them STS credentials. */
export interface TestCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** What every flavour answers: the parsed body on success, or an error with the ENS code. */
export interface EnsCaller {
  readonly name: string;
  call(action: string, params: Record<string, string | number>): Promise<Record<string, unknown>>;
}

/** The shape the tests assert on, whichever SDK threw. */
export interface CallFailure {
  code: string;
  status: number | undefined;
  data: Record<string, unknown> | undefined;
  error: unknown;
}

/** Runs a call and returns its failure, or throws when it unexpectedly succeeded. */
export async function expectFailure(promise: Promise<unknown>): Promise<CallFailure> {
  try {
    await promise;
  } catch (error) {
    const e = error as {
      code?: unknown;
      statusCode?: unknown;
      data?: unknown;
      entry?: { response?: { statusCode?: number } };
    };
    return {
      code: String(e.code ?? ""),
      status: typeof e.statusCode === "number" ? e.statusCode : e.entry?.response?.statusCode,
      data: (e.data ?? undefined) as Record<string, unknown> | undefined,
      error,
    };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** `@alicloud/pop-core`: V1 signature, parameters in the query (GET) or a form body (POST). */
export function popCoreCaller(url: string, credentials: TestCredentials, method: "GET" | "POST"): EnsCaller {
  const client = new PopCore({ endpoint: url, apiVersion: "2017-11-10", ...credentials });
  return {
    name: `pop-core V1 ${method}`,
    call: (action, params) =>
      client.request<Record<string, unknown>>(action, params, method === "POST" ? { method: "POST" } : {}),
  };
}

/** Which openapi package and which signature: V3 (the SDK default) or V1 (`signatureAlgorithm: "v2"`). */
export type OpenApiFlavour =
  | "openapi-core V3"
  | "openapi-core V1"
  | "openapi-client V3"
  | "openapi-client V1";

/** An openapi-core / openapi-client `callApi` caller, configured the way the generated ENS SDK configures it. */
export function openApiCaller(
  url: string,
  credentials: TestCredentials,
  flavour: OpenApiFlavour,
  runtime: { readTimeout?: number } = {},
): EnsCaller {
  const endpoint = url.replace(/^http:\/\//, "");
  const v1 = flavour.endsWith("V1");
  const config = {
    ...credentials,
    endpoint,
    protocol: "http",
    ...(v1 ? { signatureAlgorithm: "v2" } : {}),
    ...(runtime.readTimeout ? { readTimeout: runtime.readTimeout } : {}),
  };
  const rpc = ensRpcParams;
  if (flavour.startsWith("openapi-core")) {
    const { $OpenApiUtil } = OpenApiCore;
    const client = new OpenApiCore.default(new $OpenApiUtil.Config(config));
    return {
      name: flavour,
      call: async (action, params) => {
        const answer = await client.callApi(
          new $OpenApiUtil.Params(rpc(action)),
          new $OpenApiUtil.OpenApiRequest({ query: params }),
          {} as never,
        );
        return answer.body as Record<string, unknown>;
      },
    };
  }
  const client = new OpenApiClient.default(new OpenApiClient.Config(config));
  return {
    name: flavour,
    call: async (action, params) => {
      const answer = await client.callApi(
        new OpenApiClient.Params(rpc(action)),
        new OpenApiClient.OpenApiRequest({ query: params }),
        {} as never,
      );
      return answer.body as Record<string, unknown>;
    },
  };
}

/** Every official client flavour, by name. */
export const FLAVOURS = [
  "pop-core V1 GET",
  "pop-core V1 POST",
  "openapi-core V3",
  "openapi-core V1",
  "openapi-client V3",
  "openapi-client V1",
] as const;

/** One of FLAVOURS. */
export type Flavour = (typeof FLAVOURS)[number];

/** Builds the caller for one flavour. */
export function createCaller(flavour: Flavour, url: string, credentials: TestCredentials): EnsCaller {
  if (flavour === "pop-core V1 GET") return popCoreCaller(url, credentials, "GET");
  if (flavour === "pop-core V1 POST") return popCoreCaller(url, credentials, "POST");
  return openApiCaller(url, credentials, flavour);
}
