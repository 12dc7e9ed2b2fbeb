export * from "./queries.js";
export * from "./messages.js";
export * from "./signing.js";
export * from "./rest.js";
export * from "./batchverify.js";
