/**
 * `node:https` is loaded only when an endpoint is https (it costs ~7 ms of cold start). These tests prove the https
 * path is still wired: a client pointed at an https URL really speaks TLS, so a plain-text server makes the
 * handshake fail, whereas plain http to the same server would get an answer.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postWithTimeout } from "#shared/adapters/audit/http-post.ts";
import { createEnsTransport } from "#shared/adapters/ens/http-ens-transport.ts";
import { loadHttps } from "#shared/adapters/lazy-https.ts";

let server: Server;
let port: number;

beforeAll(async () => {
  // Answers every connection in plain HTTP: fine for an http client, a protocol error for a TLS client.
  server = createServer((socket) => {
    socket.once("data", () => {
      socket.end(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 17\r\n\r\n{"RequestId":"x"}',
      );
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as { port: number }).port;
});

afterAll(() => {
  server.close();
});

describe("lazy https", () => {
  it("loads node:https once", async () => {
    const first = await loadHttps();
    expect(await loadHttps()).toBe(first);
    expect(typeof first.request).toBe("function");
  });

  it("the ENS transport speaks TLS to an https endpoint", async () => {
    const transport = createEnsTransport({ endpoint: `https://127.0.0.1:${port}`, attemptTimeoutMs: 2000 });
    const credentials = { accessKeyId: "ak", accessKeySecret: "secret" };
    await expect(
      transport.call("DescribeRegions", {}, credentials, new AbortController().signal),
    ).rejects.toMatchObject({
      code: "NetworkError",
      message: expect.stringMatching(/EPROTO|ERR_SSL|ECONNRESET/),
    });
    transport.close();
  });

  it("the audit HTTP poster speaks TLS to an https URL and plain HTTP to an http one", async () => {
    const post = (protocol: string) =>
      postWithTimeout({
        sink: "http",
        url: new URL(`${protocol}://127.0.0.1:${port}/`),
        headers: {},
        body: "{}",
        timeoutMs: 2000,
      });
    await expect(post("https")).rejects.toMatchObject({
      sink: "http",
      message: expect.stringMatching(/EPROTO|ERR_SSL|ECONNRESET/),
    });
    await expect(post("http")).resolves.toMatchObject({ status: 200 });
  });
});
