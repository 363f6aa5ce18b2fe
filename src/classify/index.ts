/** Off-chain classification: a pure mirror of the wallet's `preview`, and a reader for the state it needs. */
export { classify, ClassifyError } from "./classify";
export { readClassifierState, type ReadClassifierStateOptions } from "./state";
export * from "./types";
