/**
 * The transport-neutral HTTP request and response the http-intake function works with. FC 3.0's HTTP event and
 * result are converted to and from these in `fc-http.ts`, so the decoder and the use case never see an FC type.
 */

/** One HTTP request as the function received it; the body is the raw bytes, never re-serialised. */
export interface HttpRequest {
  /** Upper case, e.g. `POST`. */
  method: string;
  /** URL-decoded path, e.g. `/webhooks/jira`. */
  path: string;
  /** Header names in lower case; repeated headers are comma-joined, as FC 3.0 delivers them. */
  headers: Record<string, string>;
  /** Query parameters; repeated parameters are comma-joined. */
  query: Record<string, string>;
  /** The raw body bytes: signatures are computed over these. */
  body: Buffer;
  sourceIp: string | null;
  /** The FC request id when the trigger supplies it (FC 3.0 `requestContext.requestId`). */
  requestId: string | null;
}

/** One HTTP answer; `body` is text (JSON), so no Base64 round trip is needed on the way out. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
