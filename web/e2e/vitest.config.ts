import { defineConfig } from "vitest/config";

// Browser tests against a running localnet (scripts/test-web.sh starts one): one file, in order.
export default defineConfig({
  test: { include: ["e2e/**/*.e2e.ts"], testTimeout: 180_000, hookTimeout: 300_000, fileParallelism: false, sequence: { concurrent: false } },
});
