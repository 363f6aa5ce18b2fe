/** Policy files: schema and errors, loading, compilation to the wallet's configuration, and planning. */
export * from "./units";
export * from "./schema";
export * from "./load";
export * from "./compile";
export * from "./plan";
