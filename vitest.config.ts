import { defineConfig } from "vitest/config";

// Integration tests start real servers on loopback; give them room on a shared 2-core machine.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ["test/helpers/global-setup.ts"],
    pool: "forks",
  },
});
