/**
 * The official `@alicloud/openapi-core` SDK as the tests use it: an oracle for our signers and a client of our
 * emulator. The package is CommonJS without usable ESM typings, so this file describes only what the tests touch.
 */
import { createRequire } from "node:module";

/** The SDK's signing utilities (`OpenApiUtil`). */
export interface SdkUtil {
  getAuthorization(
    request: {
      method: string;
      pathname: string;
      query: Record<string, string>;
      headers: Record<string, string>;
    },
    algorithm: string,
    payloadHash: string,
    accessKeyId: string,
    accessKeySecret: string,
  ): string;
  getRPCSignature(params: Record<string, string>, method: string, secret: string): string;
  getTimestamp(): string;
  getNonce(): string;
  query(input: Record<string, string>): Record<string, string>;
}

/** The parts of the SDK module the tests use. */
export interface SdkModule {
  default: new (
    config: unknown,
  ) => { callApi(params: unknown, request: unknown, runtime: unknown): Promise<unknown> };
  OpenApiUtil: SdkUtil;
  $OpenApiUtil: {
    Config: new (map: Record<string, unknown>) => unknown;
    Params: new (map: Record<string, unknown>) => unknown;
    OpenApiRequest: new (map: Record<string, unknown>) => unknown;
  };
}

/** The SDK module, loaded once. */
export const openApiSdk = createRequire(import.meta.url)("@alicloud/openapi-core") as SdkModule;

/** The `Params` the generated ENS SDK passes for an RPC action (docs/ens-api.md). */
export function ensRpcParams(action: string): Record<string, string> {
  return {
    action,
    version: "2017-11-10",
    protocol: "HTTP",
    pathname: "/",
    method: "POST",
    authType: "AK",
    style: "RPC",
    reqBodyType: "formData",
    bodyType: "json",
  };
}
