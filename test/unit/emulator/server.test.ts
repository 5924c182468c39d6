import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { createEmulatorCore } from "../../../local/ens-emulator/core.ts";
import { createEmulatorServer } from "../../../local/ens-emulator/server.ts";

/**
 * Drives the server's request listener with a request whose remote address we choose: the only way to see a
 * non-loopback caller without opening a port beyond loopback.
 */
function requestFrom(
  remoteAddress: string,
  method: string,
  url: string,
): Promise<{ status: number; body: unknown }> {
  const core = createEmulatorCore({
    keys: [{ id: "ak", secret: "sk" }],
    securityGroups: ["sg-1"],
    ruleQuota: 200,
    seed: 1,
    latencyMs: 0,
    jitterMs: 0,
    now: Date.now,
  });
  const { server } = createEmulatorServer(core);
  const socket = new Socket();
  Object.defineProperty(socket, "remoteAddress", { value: remoteAddress });
  const req = new IncomingMessage(socket);
  req.method = method;
  req.url = url;
  req.push(null);
  const res = new ServerResponse(req);
  const answer = new Promise<{ status: number; body: unknown }>((resolve) => {
    res.end = ((chunk: string) => {
      resolve({ status: res.statusCode, body: JSON.parse(chunk) as unknown });
      return res;
    }) as typeof res.end;
  });
  server.emit("request", req, res);
  return answer;
}

describe("control API exposure", () => {
  it.each(["192.0.2.10", "::ffff:10.0.0.1", "fd00::2"])("answers 403 to %s", async (address) => {
    const answer = await requestFrom(address, "GET", "/__emulator/stats");
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ Code: "Forbidden" });
  });

  it.each(["127.0.0.1", "::1", "::ffff:127.0.0.1"])("answers %s", async (address) => {
    const answer = await requestFrom(address, "GET", "/__emulator/security-groups/sg-1");
    expect(answer.status).toBe(200);
  });

  it("still serves the ENS API to any address (authentication guards it)", async () => {
    const answer = await requestFrom(
      "192.0.2.10",
      "GET",
      "/?Action=DescribeSecurityGroupAttribute&Version=2017-11-10",
    );
    expect(answer.body).toMatchObject({ Code: "MissingAccessKeyId" });
  });
});
