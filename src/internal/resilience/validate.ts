/** @internal */
export * from "../validate.js"
