import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The console imports the TypeScript client from its source (clients/ts/src); one copy of
// each shared dependency, the console's, is bundled.
export default defineConfig({
  resolve: {
    alias: { "@client": fileURLToPath(new URL("../clients/ts/src", import.meta.url)) },
    dedupe: ["@bufbuild/protobuf", "@cosmjs/proto-signing", "@cosmjs/stargate", "@noble/curves", "@noble/hashes"],
  },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { port: 8089, host: "127.0.0.1" }, // beside a localnet, which serves the build on 8088
  test: { include: ["test/**/*.test.ts"] },
});
