/**
 * The real transport and client against a tiny scripted ENS on 127.0.0.1 (real sockets, real signatures). The
 * server checks every signature with the official SDK's utilities, so a request it accepts is one ENS accepts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEnsTransport, type HttpEnsTransport } from "#shared/adapters/ens/http-ens-transport.ts";
import { createEnsClient, toEnsParams } from "#shared/adapters/ens/retrying-ens-client.ts";
import type { EgressRule } from "#shared/domain/types.ts";
import { EnsApiError } from "#shared/errors.ts";
import type { Credentials } from "#shared/ports.ts";
import { openApiSdk } from "../helpers/openapi-sdk.ts";

const sdkUtil = openApiSdk.OpenApiUtil;

const CREDENTIALS: Credentials = {
  accessKeyId: "local-ak",
  accessKeySecret: "local-secret-xyz",
  securityToken: "sts-tok-123",
};
const RULE: EgressRule = {
  SecurityGroupId: "sg-int1",
  IpProtocol: "udp",
  PortRange: "53/53",
  DestCidrIp: "192.168.0.0/16",
  Policy: "drop",
  Priority: 12,
  SourcePortRange: "1024/65535",
};
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** What the scripted server does with one request. */
type Fault =
  | "ok"
  | "reset"
  | "commit-then-reset"
  | "hang"
  | "html-502"
  | "text-200"
  | { code: string; status: number };

interface Seen {
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  signatureValid: boolean;
}

let server: Server;
let endpoint: string;
let faults: Fault[] = [];
let seen: Seen[] = [];
let connections = 0;
const rules = new Set<string>();
const transports: HttpEnsTransport[] = [];

function verifySignature(req: IncomingMessage, query: Record<string, string>): boolean {
  if (query.Signature !== undefined) {
    const { Signature, ...params } = query;
    return sdkUtil.getRPCSignature(params, req.method ?? "", CREDENTIALS.accessKeySecret) === Signature;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string" && name !== "authorization") headers[name] = value;
  }
  const auth = req.headers.authorization ?? "";
  const signed = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(";") ?? [];
  const onlySigned = Object.fromEntries(Object.entries(headers).filter(([n]) => signed.includes(n)));
  const expected = sdkUtil.getAuthorization(
    { method: req.method ?? "", pathname: "/", query, headers: onlySigned },
    "ACS3-HMAC-SHA256",
    headers["x-acs-content-sha256"] ?? "",
    CREDENTIALS.accessKeyId,
    CREDENTIALS.accessKeySecret,
  );
  return expected === auth && signed.length === Object.keys(onlySigned).length;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json;charset=utf-8" });
  res.end(JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://ens.local");
  const query = Object.fromEntries(url.searchParams);
  const signatureValid = verifySignature(req, query);
  seen.push({ query, headers: req.headers, signatureValid });
  const requestId = `req-${seen.length}`;
  if (!signatureValid) {
    return json(res, 400, { RequestId: requestId, Code: "SignatureDoesNotMatch", Message: "bad signature" });
  }
  const { Signature: _s, ...withoutSignature } = query;
  const key = JSON.stringify(
    Object.entries(withoutSignature)
      .filter(([n]) => n in toEnsParams(RULE))
      .sort(),
  );
  const fault = faults.shift() ?? "ok";
  if (fault === "hang") return;
  if (fault === "reset" || fault === "commit-then-reset") {
    if (fault === "commit-then-reset") rules.add(key);
    req.socket.destroy();
    return;
  }
  if (fault === "html-502") {
    // A gateway page: no JSON body, the request id only in a header (written in mixed case, as proxies do).
    res.writeHead(502, { "content-type": "text/html", "X-Acs-Request-Id": "GW-502-1" });
    return res.end("<html><body>Bad Gateway</body></html>");
  }
  if (fault === "text-200") {
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end("OK");
  }
  if (typeof fault === "object") {
    return json(res, fault.status, {
      RequestId: requestId,
      HostId: "ens.aliyuncs.com",
      Code: fault.code,
      Message: `scripted ${fault.code}`,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${fault.code}`,
    });
  }
  if (rules.has(key)) {
    return json(res, 400, {
      RequestId: requestId,
      HostId: "ens.aliyuncs.com",
      Code: "SecurityGroupRuleConflict.Duplicated",
      Message: "The SecurityGroup rule already exists.",
    });
  }
  rules.add(key);
  json(res, 200, { RequestId: requestId });
}

function transport(options: { attemptTimeoutMs?: number; signatureVersion?: "v1" | "v3" } = {}) {
  const t = createEnsTransport({ endpoint, attemptTimeoutMs: options.attemptTimeoutMs ?? 5_000, ...options });
  transports.push(t);
  return t;
}

function client(t: HttpEnsTransport, maxAttempts = 5) {
  return createEnsClient({ transport: t, retry: { maxAttempts, baseMs: 1, maxDelayMs: 5, minAttemptMs: 0 } });
}

const call = (c: ReturnType<typeof client>, budgetMs = 20_000, signal?: AbortSignal) =>
  c.authorizeSecurityGroupEgress(RULE, { credentials: CREDENTIALS, deadline: Date.now() + budgetMs, signal });

beforeAll(async () => {
  server = createServer(handle);
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  faults = [];
  seen = [];
  rules.clear();
  for (const t of transports.splice(0)) t.close();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("ENS client over HTTP (V3)", () => {
  it("sends a signed POST / with the seven fields and the STS token, and creates the rule", async () => {
    const result = await call(client(transport()));
    expect(result).toEqual({
      outcome: "created",
      attempts: 1,
      ensRequestIds: ["req-1"],
      error: null,
      mayHaveCreated: false,
    });
    const request = seen[0]!;
    expect(request.signatureValid).toBe(true);
    expect(request.query).toEqual(toEnsParams(RULE));
    expect(request.headers["x-acs-action"]).toBe("AuthorizeSecurityGroupEgress");
    expect(request.headers["x-acs-version"]).toBe("2017-11-10");
    expect(request.headers["x-acs-date"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(request.headers["x-acs-content-sha256"]).toBe(EMPTY_SHA256);
    expect(request.headers["x-acs-security-token"]).toBe(CREDENTIALS.securityToken);
    expect(request.headers.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=local-ak,SignedHeaders=host;/,
    );
  });

  it("reuses one keep-alive socket and a fresh nonce per call", async () => {
    const before = connections;
    const t = transport();
    for (let i = 0; i < 3; i++) {
      await t.call(
        "AuthorizeSecurityGroupEgress",
        { ...toEnsParams(RULE), Priority: String(i + 1) },
        CREDENTIALS,
        new AbortController().signal,
      );
    }
    expect(connections - before).toBe(1);
    expect(new Set(seen.map((s) => s.headers["x-acs-signature-nonce"])).size).toBe(3);
  });

  it("parses an error answer: Code, Message, RequestId, HostId, Recommend", async () => {
    faults = [{ code: "InvalidSecurityGroupId.NotFound", status: 400 }];
    const error = await transport()
      .call("AuthorizeSecurityGroupEgress", toEnsParams(RULE), CREDENTIALS, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnsApiError);
    expect(error).toMatchObject({
      code: "InvalidSecurityGroupId.NotFound",
      requestId: "req-1",
      httpStatus: 400,
      hostId: "ens.aliyuncs.com",
      recommend: "https://api.aliyun.com/troubleshoot?q=InvalidSecurityGroupId.NotFound",
    });
    expect((error as Error).message).toContain("scripted InvalidSecurityGroupId.NotFound");
  });

  it("makes one call for a permanent error and reports it", async () => {
    faults = [{ code: "NoPermission", status: 400 }];
    const result = await call(client(transport()));
    expect(seen).toHaveLength(1);
    expect(result).toMatchObject({ outcome: "failed", attempts: 1, ensRequestIds: ["req-1"] });
    expect(result.error).toMatchObject({
      code: "NoPermission",
      httpStatus: 400,
      requestId: "req-1",
      redeliver: false,
    });
  });

  it("retries transient answers and succeeds", async () => {
    faults = [
      { code: "ens.interface.error", status: 400 },
      { code: "ServiceUnavailable", status: 503 },
    ];
    const result = await call(client(transport()));
    expect(result).toEqual({
      outcome: "created",
      attempts: 3,
      ensRequestIds: ["req-1", "req-2", "req-3"],
      error: null,
      mayHaveCreated: false,
    });
  });

  it("gives up after maxAttempts transient answers with the last code", async () => {
    faults = Array.from({ length: 5 }, () => ({ code: "Throttling.User", status: 400 }));
    const result = await call(client(transport(), 3));
    expect(seen).toHaveLength(3);
    expect(result.error).toMatchObject({ code: "Throttling.User", redeliver: true });
  });

  it("turns a non-JSON body into InvalidResponse with a clear message", async () => {
    for (const fault of ["html-502", "text-200"] as const) {
      faults = [fault];
      const error = await transport()
        .call("AuthorizeSecurityGroupEgress", toEnsParams(RULE), CREDENTIALS, new AbortController().signal)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "InvalidResponse",
        httpStatus: fault === "html-502" ? 502 : 200,
        requestId: fault === "html-502" ? "GW-502-1" : null,
      });
      expect((error as Error).message).toMatch(
        /not a JSON object \(content-type text\/(html|plain), \d+ bytes\)/,
      );
    }
  });

  it("turns a reset connection into NetworkError, and a refused one into an unsent NetworkError", async () => {
    faults = ["reset"];
    const reset = await transport()
      .call("AuthorizeSecurityGroupEgress", toEnsParams(RULE), CREDENTIALS, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(reset).toMatchObject({ code: "NetworkError", requestSent: true });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = createEnsTransport({ endpoint: `http://127.0.0.1:${port}`, attemptTimeoutMs: 5_000 });
    transports.push(refused);
    const error = await refused
      .call("AuthorizeSecurityGroupEgress", toEnsParams(RULE), CREDENTIALS, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NetworkError", requestSent: false });
    expect((error as Error).message).toContain("ECONNREFUSED");
  });

  it("aborts a hanging attempt after attemptTimeoutMs as AttemptTimeout, then retries", async () => {
    faults = ["hang"];
    const result = await call(client(transport({ attemptTimeoutMs: 100 })));
    expect(result).toMatchObject({ outcome: "created", attempts: 2 });
  });

  it("ends as already_exists that may have been created, attempts 2, when the answer was lost after the rule was stored", async () => {
    faults = ["commit-then-reset"];
    const result = await call(client(transport()));
    expect(result).toEqual({
      outcome: "already_exists",
      attempts: 2,
      ensRequestIds: ["req-2"],
      error: null,
      mayHaveCreated: true,
    });
    expect(seen).toHaveLength(2);
  });

  it("answers already_exists when the rule was there before", async () => {
    await call(client(transport()));
    seen = [];
    expect(await call(client(transport()))).toMatchObject({ outcome: "already_exists", attempts: 1 });
  });

  it("aborts the attempt in flight at the deadline", async () => {
    faults = ["hang", "hang"];
    const result = await call(client(transport({ attemptTimeoutMs: 30_000 })), 150);
    expect(result).toMatchObject({ outcome: "failed", attempts: 1 });
    expect(result.error).toMatchObject({ code: "DeadlineExceeded", redeliver: true });
  });

  it("aborts the attempt in flight when the caller aborts", async () => {
    faults = ["hang"];
    const controller = new AbortController();
    const pending = call(client(transport({ attemptTimeoutMs: 30_000 })), 20_000, controller.signal);
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await pending).error).toMatchObject({ code: "Aborted" });
  });

  it("keeps the secret and the token out of every error", async () => {
    faults = ["reset", "html-502", "hang", { code: "InternalError", status: 500 }, "text-200"];
    const result = await call(client(transport({ attemptTimeoutMs: 100 })));
    expect(result.outcome).toBe("failed");
    const text = JSON.stringify(result);
    expect(text).not.toContain(CREDENTIALS.accessKeySecret);
    expect(text).not.toContain(CREDENTIALS.securityToken);
  });
});

describe("ENS client over HTTP (V1)", () => {
  it("sends the common parameters, the token and a valid Signature in the query", async () => {
    const result = await call(client(transport({ signatureVersion: "v1" })));
    expect(result.outcome).toBe("created");
    const request = seen[0]!;
    expect(request.signatureValid).toBe(true);
    expect(request.query).toMatchObject({
      ...toEnsParams(RULE),
      Action: "AuthorizeSecurityGroupEgress",
      Version: "2017-11-10",
      Format: "JSON",
      AccessKeyId: "local-ak",
      SignatureMethod: "HMAC-SHA1",
      SignatureVersion: "1.0",
      SecurityToken: CREDENTIALS.securityToken,
    });
    expect(request.query.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("is refused when the secret is wrong (the server really checks)", async () => {
    const t = transport({ signatureVersion: "v1" });
    const error = await t
      .call(
        "AuthorizeSecurityGroupEgress",
        toEnsParams(RULE),
        { ...CREDENTIALS, accessKeySecret: "wrong" },
        new AbortController().signal,
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "SignatureDoesNotMatch" });
    const v3 = await transport()
      .call(
        "AuthorizeSecurityGroupEgress",
        toEnsParams(RULE),
        { ...CREDENTIALS, accessKeySecret: "wrong" },
        new AbortController().signal,
      )
      .catch((e: unknown) => e);
    expect(v3).toMatchObject({ code: "SignatureDoesNotMatch" });
  });
});
