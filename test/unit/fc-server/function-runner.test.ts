import { describe, expect, it } from "vitest";
import { runHandler, serializeResult } from "../../../local/fc-server/function-runner.ts";

describe("runHandler", () => {
  it("passes event and context and returns the result", async () => {
    const outcome = await runHandler(
      async (event, context) => ({ got: event.toString(), context }),
      Buffer.from("x"),
      "ctx",
      5,
    );
    expect(outcome).toEqual({ ok: true, result: { got: "x", context: "ctx" } });
  });

  it("turns a thrown error into FC's error payload", async () => {
    const outcome = await runHandler(
      async () => {
        throw new RangeError("too far");
      },
      Buffer.alloc(0),
      {},
      5,
    );
    expect(outcome).toMatchObject({
      ok: false,
      timedOut: false,
      error: { errorMessage: "too far", errorType: "RangeError" },
    });
    expect(outcome.ok ? [] : outcome.error.stackTrace[0]).toBe("RangeError: too far");
  });

  it("catches a synchronous throw too", async () => {
    const outcome = await runHandler(
      () => {
        throw new Error("sync");
      },
      Buffer.alloc(0),
      {},
      5,
    );
    expect(outcome).toMatchObject({ ok: false, error: { errorMessage: "sync" } });
  });

  it("enforces the timeout with FC's message", async () => {
    const never = () => new Promise(() => {});
    const outcome = await runHandler(never, Buffer.alloc(0), {}, 0.05);
    expect(outcome).toMatchObject({
      ok: false,
      timedOut: true,
      error: { errorMessage: "Function timed out after 0.05 seconds" },
    });
  });
});

describe("serializeResult (FC 3.0 return rules)", () => {
  it("sends a Buffer as is, an object as JSON and anything else as a string", () => {
    expect(serializeResult(Buffer.from([1, 2]))).toEqual({
      body: Buffer.from([1, 2]),
      contentType: "application/octet-stream",
    });
    expect(serializeResult({ a: 1 })).toEqual({
      body: Buffer.from('{"a":1}'),
      contentType: "application/json",
    });
    expect(serializeResult(42).body.toString()).toBe("42");
    expect(serializeResult(undefined).body.length).toBe(0);
  });
});
