import { timingSafeEqual } from "node:crypto";
import type { AccessKeyConfig } from "./access-keys.ts";
import { type ApiRequest, headerValue } from "./api-request.ts";
import { EnsEmulatorError } from "./errors.ts";
import { type NonceStore, REPLAY_WINDOW_MS } from "./nonce-store.ts";
import { signV1, stringToSignV1 } from "./signature-v1.ts";
import { canonicalRequestV3, parseV3Authorization, sha256Hex, signV3, V3_ALGORITHM } from "./signature-v3.ts";

/** Which signature scheme a request uses. */
export type SignatureScheme = "v1" | "v3";

/** Action and version of a call, and how it is signed. */
export interface CallTarget {
  scheme: SignatureScheme;
  action: string | undefined;
  version: string | undefined;
}

/** What authentication needs from the emulator. */
export interface AuthContext {
  keys: ReadonlyMap<string, AccessKeyConfig>;
  nonces: NonceStore;
  now: () => number;
}

const V1_COMMON = [
  "AccessKeyId",
  "Signature",
  "SignatureMethod",
  "SignatureVersion",
  "SignatureNonce",
  "Timestamp",
];
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;

/**
 * V3 requests carry an `ACS3-...` Authorization header; everything else is read as V1 (signature in params),
 * unless an Authorization header of another kind comes without a V1 signature, which V3 then refuses.
 */
export function callTarget(request: ApiRequest): CallTarget {
  const authorization = headerValue(request, "authorization");
  const v3 =
    authorization !== undefined && (authorization.startsWith("ACS3-") || !request.params.has("Signature"));
  if (v3) {
    return {
      scheme: "v3",
      action: headerValue(request, "x-acs-action"),
      version: headerValue(request, "x-acs-version"),
    };
  }
  return { scheme: "v1", action: request.params.get("Action"), version: request.params.get("Version") };
}

/**
 * Parses an ISO 8601 UTC timestamp (`2024-01-01T00:00:00Z`, optional milliseconds); returns epoch ms or null.
 * Calendar-invalid dates (Feb 30) are refused too.
 */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, Number((m[7] ?? "0").padEnd(3, "0")));
  const date = new Date(ms);
  const roundTrips =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return roundTrips ? ms : null;
}

function checkTime(text: string, now: number): number {
  const time = parseTimestamp(text);
  if (time === null) throw new EnsEmulatorError("InvalidTimeStamp.Format", `(${text})`);
  if (Math.abs(now - time) > REPLAY_WINDOW_MS) throw new EnsEmulatorError("InvalidTimeStamp.Expired");
  return time;
}

function findKey(context: AuthContext, accessKeyId: string): AccessKeyConfig {
  const key = context.keys.get(accessKeyId);
  if (!key) throw new EnsEmulatorError("InvalidAccessKeyId.NotFound");
  return key;
}

function checkToken(key: AccessKeyConfig, sent: string | undefined): void {
  // A key configured without a token ignores one that is sent: permanent keys do not use STS tokens, and the
  // local stack may hand out STS-shaped credentials for a plain key.
  if (key.securityToken === undefined) return;
  if (sent === undefined || sent === "") throw new EnsEmulatorError("MissingSecurityToken");
  if (!safeEqual(sent, key.securityToken))
    throw new EnsEmulatorError("InvalidSecurityToken.MismatchWithAccessKey");
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

function authenticateV1(request: ApiRequest, context: AuthContext): AccessKeyConfig {
  const params = request.params;
  for (const name of V1_COMMON) {
    if (!params.get(name)) throw new EnsEmulatorError(`Missing${name}`, name);
  }
  // Like the gateway, signature errors echo the whole server string to sign, STS token (twice percent-encoded)
  // included: a client must not forward this message as it is.
  if (params.get("SignatureMethod") !== "HMAC-SHA1" || params.get("SignatureVersion") !== "1.0") {
    throw new EnsEmulatorError(
      "IncompleteSignature",
      `server string to sign is:${stringToSignV1(request.method, [...params])}`,
    );
  }
  const time = checkTime(params.get("Timestamp") ?? "", context.now());
  const key = findKey(context, params.get("AccessKeyId") ?? "");
  checkToken(key, params.get("SecurityToken"));
  const stringToSign = stringToSignV1(request.method, [...params]);
  if (!safeEqual(signV1(stringToSign, key.secret), params.get("Signature") ?? "")) {
    throw new EnsEmulatorError("SignatureDoesNotMatch", `server string to sign is:${stringToSign}`);
  }
  if (!context.nonces.use(key.id, params.get("SignatureNonce") ?? "", time)) {
    throw new EnsEmulatorError("SignatureNonceUsed");
  }
  return key;
}

function authenticateV3(request: ApiRequest, context: AuthContext): AccessKeyConfig {
  const auth = parseV3Authorization(headerValue(request, "authorization") ?? "");
  if (!auth) throw new EnsEmulatorError("IncompleteSignature", "(malformed Authorization header)");
  if (auth.algorithm !== V3_ALGORITHM) {
    throw new EnsEmulatorError("IncompleteSignature", `(only ${V3_ALGORITHM} is supported)`);
  }
  const date = headerValue(request, "x-acs-date");
  if (!date) throw new EnsEmulatorError("MissingTimestamp", "x-acs-date");
  const nonce = headerValue(request, "x-acs-signature-nonce");
  if (!nonce) throw new EnsEmulatorError("MissingSignatureNonce", "x-acs-signature-nonce");
  const time = checkTime(date, context.now());
  const key = findKey(context, auth.accessKeyId);
  const token = headerValue(request, "x-acs-security-token");
  checkToken(key, token);

  // The gateway insists that host, content-type and every x-acs-* header present be signed; otherwise a
  // proxy could change the action or the token without breaking the signature.
  const mustSign = Object.keys(request.headers).filter(
    (name) => name === "host" || name === "content-type" || name.startsWith("x-acs-"),
  );
  const unsigned = mustSign.filter((name) => !auth.signedHeaders.includes(name));
  if (unsigned.length > 0) {
    throw new EnsEmulatorError("SignatureDoesNotMatch", `(header(s) not signed: ${unsigned.join(", ")})`);
  }
  const payloadHash = sha256Hex(request.body);
  const claimedHash = headerValue(request, "x-acs-content-sha256");
  if (claimedHash !== undefined && claimedHash.toLowerCase() !== payloadHash) {
    throw new EnsEmulatorError("SignatureDoesNotMatch", "(x-acs-content-sha256 does not match the body)");
  }
  const canonical = canonicalRequestV3({
    method: request.method,
    path: request.path,
    queryPairs: request.queryPairs,
    headerValues: request.headerValues,
    signedHeaders: auth.signedHeaders,
    hashedPayload: payloadHash,
  });
  if (!safeEqual(signV3(canonical, key.secret), auth.signature)) {
    throw new EnsEmulatorError("SignatureDoesNotMatch", `server canonical request is:${canonical}`);
  }
  if (!context.nonces.use(key.id, nonce, time)) throw new EnsEmulatorError("SignatureNonceUsed");
  return key;
}

/**
 * Authenticates a call the way the gateway does: common parameters present, timestamp well-formed and within
 * 15 minutes, key known, STS token matching, signature matching, nonce unused. Returns the key, or throws
 * the gateway's error. The nonce is recorded only after the signature matched, so a forged request cannot burn
 * a legitimate caller's nonce.
 */
export function authenticate(request: ApiRequest, target: CallTarget, context: AuthContext): AccessKeyConfig {
  return target.scheme === "v3" ? authenticateV3(request, context) : authenticateV1(request, context);
}
