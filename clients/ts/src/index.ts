export * from "./client.js";
export * from "./rest.js";
export * from "./batchverify.js";
