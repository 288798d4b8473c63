// Jaring serves no GraphQL subscriptions, so the websocket client that
// @graphiql/toolkit loads only for a subscriptionUrl is left out of the bundle.
export function createClient() {
  throw new Error('GraphQL subscriptions are not supported here.');
}
