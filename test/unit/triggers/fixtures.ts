import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository's `events/` folder. */
export const EVENTS_DIR = fileURLToPath(new URL("../../../events/", import.meta.url));

/** The raw bytes of a fixture, exactly as FC hands an event to the handler (a Buffer). */
export function fixtureBytes(relativePath: string): Buffer {
  return readFileSync(`${EVENTS_DIR}${relativePath}`);
}

/** A fixture parsed as JSON. */
export function fixtureJson<T = unknown>(relativePath: string): T {
  return JSON.parse(fixtureBytes(relativePath).toString("utf8")) as T;
}

/** The JSON files of one fixture folder, e.g. `http`. */
export function fixtureNames(folder: string): string[] {
  return readdirSync(`${EVENTS_DIR}${folder}`)
    .filter((name) => name.endsWith(".json"))
    .sort();
}
