/**
 * The base of every error the product throws: a `code` to switch on (a row of the error table, or a cold-start
 * code such as `ConfigError`) and the `cause` kept. Subclasses add their own safe-to-log details and set `name`
 * explicitly, because the function bundles are minified and a class name would not survive.
 */
export abstract class ProductError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
