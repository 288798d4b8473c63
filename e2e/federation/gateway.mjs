// The supergraph: Jaring and the posyandu subgraph composed, and served by
// Apollo Gateway, which passes each client's Authorization and X-Purpose on
// to every subgraph, since Jaring decides what a caller sees from them.

import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

// compose composes the subgraphs ([{ name, url, typeDefs }]) and returns
// composeServices' answer: { errors } or { supergraphSdl, hints }.
export function compose(subgraphs) {
  return composeServices(subgraphs);
}

// forwarded are the client headers the gateway passes on.
const forwarded = ['authorization', 'x-purpose'];

// startGateway serves supergraphSdl on a loopback port; it returns
// { url, stop() }.
export async function startGateway(supergraphSdl) {
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) => new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request, context }) {
        for (const name of forwarded) {
          if (context.headers?.[name] !== undefined) request.http.headers.set(name, context.headers[name]);
        }
      },
    }),
  });
  // The gateway has no schema of its own to show: introspection stays off,
  // as it would be in front of Jaring in production.
  const server = new ApolloServer({ gateway, introspection: false });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({
      headers: Object.fromEntries(forwarded.filter((h) => req.headers[h] !== undefined).map((h) => [h, req.headers[h]])),
    }),
  });
  return { url, stop: () => server.stop() };
}
