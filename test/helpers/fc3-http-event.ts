import { randomUUID } from "node:crypto";

/** One HTTP request, as a test describes it. */
export interface TestHttpRequest {
  path: string;
  /** Text is sent as it is; bytes are sent Base64-encoded, as FC does for a binary body. */
  body: string | Buffer;
  /** Added to (and overriding) `content-type: application/json`. */
  headers?: Record<string, string>;
  method?: string;
  requestId?: string;
  sourceIp?: string;
}

/**
 * The FC 3.0 HTTP trigger event of a request, as the platform hands it to a built-in runtime's handler: a Buffer
 * holding the event JSON (docs/fc-conventions.md).
 * @example await handler(fc3HttpEvent({ path: "/rules", body: JSON.stringify(rule), headers }), context)
 */
export function fc3HttpEvent(request: TestHttpRequest): Buffer {
  const binary = Buffer.isBuffer(request.body);
  const method = request.method ?? "POST";
  return Buffer.from(
    JSON.stringify({
      version: "v1",
      rawPath: request.path,
      body: binary ? (request.body as Buffer).toString("base64") : request.body,
      isBase64Encoded: binary,
      headers: { "content-type": "application/json", ...request.headers },
      queryParameters: {},
      requestContext: {
        accountId: "1234567890123456",
        domainName: "x.cn-hangzhou.fcapp.run",
        domainPrefix: "x",
        http: {
          method,
          path: request.path,
          protocol: "HTTP/1.1",
          sourceIp: request.sourceIp ?? "10.0.0.1",
          userAgent: "test",
        },
        requestId: request.requestId ?? randomUUID(),
        time: new Date().toISOString(),
        timeEpoch: String(Date.now()),
      },
    }),
  );
}
