/**
 * Reading a request body with a size limit, for the local tools' HTTP servers. Past the limit nothing more is kept and
 * the caller gets null; what happens to the rest of the body depends on how the caller answers.
 */
import type { IncomingMessage } from "node:http";

/**
 * `drain`: the rest is read and dropped, so an answer on a kept-alive connection reaches the client and the connection
 * stays usable. `pause`: reading stops, for a caller that answers with `connection: close`.
 */
export type OverflowHandling = "drain" | "pause";

/** The whole body, or null once it passes `limit` bytes; rejects when the request stream fails. */
export function readBody(
  request: IncomingMessage,
  limit: number,
  overflow: OverflowHandling,
): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        if (overflow === "pause") request.pause();
        else request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}
