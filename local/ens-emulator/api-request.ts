import type { IncomingHttpHeaders } from "node:http";
import { decodePairs, type ParamPair } from "./encoding.ts";

/** A business request as the gateway sees it: method, query and form parameters, headers and raw body. */
export interface ApiRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  queryPairs: ParamPair[];
  /** Parameters from an `application/x-www-form-urlencoded` body; empty for other bodies. */
  bodyPairs: ParamPair[];
  /** Query and body merged, body winning, as the SDKs sign them. */
  params: Map<string, string>;
  headers: IncomingHttpHeaders;
  /** Every value a header arrived with (lowercase name), in order. */
  headerValues(name: string): string[];
  body: Buffer;
}

/** Builds an ApiRequest from what node:http delivered. */
export function toApiRequest(input: {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  headersDistinct: Record<string, string[] | undefined>;
  body: Buffer;
}): ApiRequest {
  const queryAt = input.url.indexOf("?");
  const path = queryAt === -1 ? input.url : input.url.slice(0, queryAt);
  const queryPairs = queryAt === -1 ? [] : decodePairs(input.url.slice(queryAt + 1));
  const contentType = String(input.headers["content-type"] ?? "").toLowerCase();
  const bodyPairs =
    input.body.length > 0 && contentType.includes("application/x-www-form-urlencoded")
      ? decodePairs(input.body.toString("utf8"))
      : [];
  const params = new Map<string, string>();
  // The first occurrence of a repeated name wins within a part; the body overrides the query.
  for (const pairs of [queryPairs, bodyPairs]) {
    const seen = new Set<string>();
    for (const [name, value] of pairs) {
      if (seen.has(name)) continue;
      seen.add(name);
      params.set(name, value);
    }
  }
  return {
    method: input.method.toUpperCase(),
    path,
    queryPairs,
    bodyPairs,
    params,
    headers: input.headers,
    headerValues: (name) => input.headersDistinct[name.toLowerCase()] ?? [],
    body: input.body,
  };
}

/** The first value of a header, or undefined. */
export function headerValue(request: ApiRequest, name: string): string | undefined {
  return request.headerValues(name)[0];
}
