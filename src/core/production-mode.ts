/**
 * Imported first by the platform's entry points, before any library is loaded: libraries choose
 * their production paths when they load (graphql-js, for one, checks every type with a slower
 * cross-realm test otherwise, ~3% of a large query). An operator's NODE_ENV is kept.
 */
process.env.NODE_ENV ??= "production";

export {};
