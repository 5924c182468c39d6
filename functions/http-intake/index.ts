/**
 * FC entry of http-intake, the HTTP trigger for operators and ticketing webhooks. FC 3.0 hands the handler the HTTP
 * request as an event and takes `{statusCode, headers, body, isBase64Encoded}` back (docs/fc-conventions.md).
 */
import { createHttpIntakeHandler } from "#shared/entry/http-intake.ts";

export const handler = createHttpIntakeHandler(process.env);
