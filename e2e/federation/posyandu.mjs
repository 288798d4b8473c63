// A second subgraph, as a district health office might run one: the visits
// of persons to the village health posts (posyandu). It extends Jaring's
// Person entity by its key, the NIK, and knows nothing else of a person.

import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

// typeDefs is the subgraph's SDL. Person.nik is declared as Jaring declares
// it (nullable String): the types of a key field must agree.
export const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Query {
    "The persons who visited a posyandu this month, in the order of their first visit."
    posyanduVisitors: [Person!]!
  }

  type Person @key(fields: "nik") {
    nik: String
    "The person's visits to a posyandu, oldest first."
    posyanduVisits: [PosyanduVisit!]!
  }

  "One visit to a village health post."
  type PosyanduVisit {
    date: String!
    posyandu: String!
    "Weight in kilograms, as weighed at the visit."
    weightKg: Float
  }
`);

// visitsOf makes a plausible visit record for each NIK, in order:
// [{ nik, visits: [...] }].
export function visitsOf(niks) {
  return niks.map((nik, i) => ({
    nik,
    visits: [
      { date: `2026-11-${String(3 + i).padStart(2, '0')}`, posyandu: 'Posyandu Melati, Koba', weightKg: 50 + i },
      { date: `2026-11-${String(17 + i).padStart(2, '0')}`, posyandu: 'Posyandu Melati, Koba', weightKg: 50.5 + i },
    ],
  }));
}

// startPosyandu serves the subgraph on a loopback port with the records
// (from visitsOf); it returns { url, stop(), headersSeen }, headersSeen
// being the Authorization and X-Purpose of every request it answered.
export async function startPosyandu(records) {
  const byNIK = new Map(records.map((r) => [r.nik, r.visits]));
  const resolvers = {
    Query: {
      posyanduVisitors: () => records.map((r) => ({ nik: r.nik })),
    },
    Person: {
      __resolveReference: (ref) => ({ nik: ref.nik }),
      posyanduVisits: (p) => byNIK.get(p.nik) ?? [],
    },
  };
  const headersSeen = [];
  // No traces for a gateway that reports to no one.
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs, resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => {
      headersSeen.push({ authorization: req.headers.authorization, purpose: req.headers['x-purpose'] });
      return {};
    },
  });
  return { url, headersSeen, stop: () => server.stop() };
}
