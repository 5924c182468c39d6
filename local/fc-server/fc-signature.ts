/**
 * The Function Compute 2.0 request signature (`Authorization: FC <id>:<sig>`), as `@alicloud/fc2` computes it
 * (docs/signing.md). Pure functions: the invoke API verifies with them, and tests check them against the
 * SDK's own vectors, so the local server refuses exactly what FC would refuse for a bad key, secret or
 * tampered request.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Header values as Node hands them over; names may arrive in any case. */
export type HeaderBag = Readonly<Record<string, string | string[] | number | undefined>>;

/** The parts of a request that the FC signature covers. */
export interface FcSignedRequest {
  method: string;
  /** Canonical resource: the unescaped path including the `/2016-08-15` prefix. */
  path: string;
  headers: HeaderBag;
  /** Query parameters; only `/proxy/` paths sign them (the SDK passes null otherwise). */
  queries?: Readonly<Record<string, string | readonly string[]>> | null;
}

/** FC's error codes for a refused request (FC error-code table). */
export type FcAuthErrorCode =
  | "MissingRequiredHeader"
  | "InvalidArgument"
  | "AccessDenied"
  | "InvalidAccessKeyID"
  | "SignatureNotMatch"
  | "RequestTimeTooSkewed";

/** The verdict on a signed request: accepted, or the FC error to answer with. */
export type FcVerifyResult =
  | { ok: true }
  | { ok: false; status: number; code: FcAuthErrorCode; message: string };

/** The key, account and clock a request is verified against. */
export interface FcVerifyOptions {
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  /** Epoch ms of "now". */
  now: number;
  /** Largest accepted distance between the `date` header and now; FC allows 15 minutes. */
  maxSkewMs?: number;
}

const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;
const AUTHORIZATION = /^FC ([^:\s]+):(\S+)$/;

function lowerCaseHeaders(headers: HeaderBag): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    map.set(name.toLowerCase().trim(), Array.isArray(value) ? value.join(",") : String(value));
  }
  return map;
}

/** Builds the FC string to sign exactly as the SDK's `composeStringToSign` does. */
export function composeFcStringToSign(request: FcSignedRequest): string {
  const headers = lowerCaseHeaders(request.headers);
  const fcHeaders = [...headers.keys()]
    .filter((name) => name.startsWith("x-fc-"))
    .sort()
    .map((name) => `${name}:${headers.get(name)}\n`)
    .join("");
  let text = `${request.method}\n${headers.get("content-md5") ?? ""}\n${headers.get("content-type") ?? ""}\n${
    headers.get("date") ?? ""
  }\n${fcHeaders}${request.path}`;
  if (request.queries) {
    // The SDK sorts "k=v" strings as wholes, expands arrays and does not URL-encode: mirror it byte for byte.
    const params: string[] = [];
    for (const [key, value] of Object.entries(request.queries)) {
      if (typeof value === "string") params.push(`${key}=${value}`);
      else for (const item of value) params.push(`${key}=${item}`);
    }
    params.sort();
    text += `\n${params.join("\n")}`;
  }
  return text;
}

/** Base64 HMAC-SHA256 of the string to sign. */
export function signFcString(stringToSign: string, accessKeySecret: string): string {
  return createHmac("sha256", accessKeySecret).update(stringToSign, "utf8").digest("base64");
}

/** The `Authorization` header value for a request. */
export function fcAuthorization(
  accessKeyId: string,
  accessKeySecret: string,
  request: FcSignedRequest,
): string {
  return `FC ${accessKeyId}:${signFcString(composeFcStringToSign(request), accessKeySecret)}`;
}

/** `content-md5` as the SDK sends it: Base64 of the lowercase hex MD5 (not of the raw digest). */
export function fcContentMd5(body: Uint8Array): string {
  return Buffer.from(createHash("md5").update(body).digest("hex"), "utf8").toString("base64");
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

function refuse(status: number, code: FcAuthErrorCode, message: string): FcVerifyResult {
  return { ok: false, status, code, message };
}

function bodyMatchesMd5(contentMd5: string, body: Uint8Array): boolean {
  // Accept the SDK's form and the RFC 1864 form (Base64 of the raw digest) that other clients send.
  const raw = createHash("md5").update(body).digest();
  return sameText(contentMd5, fcContentMd5(body)) || sameText(contentMd5, raw.toString("base64"));
}

/**
 * Verifies a request against one key, one account and the clock; the checks and codes follow FC's error table
 * (403 `SignatureNotMatch`, 403 `InvalidAccessKeyID`, 400 `MissingRequiredHeader` ...).
 */
export function verifyFcRequest(
  request: FcSignedRequest & { body: Uint8Array },
  options: FcVerifyOptions,
): FcVerifyResult {
  const headers = lowerCaseHeaders(request.headers);
  for (const name of ["authorization", "date", "x-fc-account-id"]) {
    if (!headers.get(name))
      return refuse(400, "MissingRequiredHeader", `required HTTP header ${name} was not specified`);
  }
  const match = AUTHORIZATION.exec(headers.get("authorization") ?? "");
  if (!match)
    return refuse(
      400,
      "InvalidArgument",
      "the authorization header must look like 'FC <accessKeyId>:<signature>'",
    );
  const [, accessKeyId = "", signature = ""] = match;
  const date = headers.get("date") ?? "";
  const time = Date.parse(date);
  if (Number.isNaN(time))
    return refuse(400, "InvalidArgument", `the date header '${date}' is not an HTTP date`);
  if (Math.abs(options.now - time) > (options.maxSkewMs ?? FIFTEEN_MINUTES_MS)) {
    const current = new Date(options.now).toUTCString();
    return refuse(
      403,
      "RequestTimeTooSkewed",
      `the difference between the request time '${date}' and the current time '${current}' is too large`,
    );
  }
  const accountId = headers.get("x-fc-account-id") ?? "";
  if (accountId !== options.accountId) {
    return refuse(403, "AccessDenied", `the account id '${accountId}' does not own this endpoint`);
  }
  if (!sameText(accessKeyId, options.accessKeyId)) {
    return refuse(403, "InvalidAccessKeyID", `invalid access key ID '${accessKeyId}'`);
  }
  const expected = signFcString(composeFcStringToSign(request), options.accessKeySecret);
  const mismatch =
    "The request signature we calculated does not match the signature you provided. Check your access key and signing method";
  if (!sameText(signature, expected)) return refuse(403, "SignatureNotMatch", mismatch);
  // The signature covers content-md5, not the body; without this check a tampered body would pass.
  const contentMd5 = headers.get("content-md5");
  if (contentMd5 && !bodyMatchesMd5(contentMd5, request.body)) {
    return refuse(403, "SignatureNotMatch", `${mismatch} (content-md5 does not match the body)`);
  }
  return { ok: true };
}
