/** Error codes of `FcEventError`. */
import { ProductError } from "../domain/product-error.ts";
export type FcEventErrorCode = "InvalidFcEvent";

/**
 * The runtime handed the function something that is not the event its trigger documents
 * (docs/fc-conventions.md), e.g. a non-HTTP payload invoked on the http-intake function. The message names
 * the missing part, never the payload.
 */
export class FcEventError extends ProductError {
  override readonly code: FcEventErrorCode = "InvalidFcEvent";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FcEventError";
  }
}
