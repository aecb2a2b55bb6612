// Drives OpsGraph's GraphQL API the way an Apollo Client 4 application does:
// a normalized cache told the schema's possibleTypes, relay-style pagination
// merged by the cache, subscriptions over graphql-ws. Reads a plan (JSON) on
// stdin, runs its steps in order and prints one JSON result per step.
import { readFileSync } from "node:fs";
import {
  ApolloClient,
  ApolloLink,
  HttpLink,
  InMemoryCache,
  gql,
} from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { relayStylePagination } from "@apollo/client/utilities";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const plan = JSON.parse(readFileSync(0, "utf8"));
const possibleTypes = JSON.parse(readFileSync(plan.possibleTypes, "utf8"));
const headers = { authorization: `Bearer ${plan.token}` };

const ws = createClient({
  url: plan.wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${plan.token}` },
  lazy: true,
});
const link = ApolloLink.split(
  ({ query }) => {
    const definition = getMainDefinition(query);
    return definition.kind === "OperationDefinition" &&
      definition.operation === "subscription";
  },
  new GraphQLWsLink(ws),
  new HttpLink({ uri: plan.url, headers }),
);

function newClient(listFields) {
  const fields = Object.fromEntries(
    listFields.map((name) => [name, relayStylePagination(["filter", "orderBy"])]),
  );
  return new ApolloClient({
    link,
    cache: new InMemoryCache({ possibleTypes, typePolicies: { Query: { fields } } }),
  });
}

async function pages(step) {
  // Forward: one watched query, more pages fetched and merged by the cache.
  const client = newClient([step.field]);
  const query = gql(step.query);
  const first = await client.query({ query, variables: { first: step.size } });
  let data = first.data;
  let rounds = 1;
  while (data[step.field].pageInfo.hasNextPage && rounds < 100) {
    // As fetchMore does: from the network, merged into the one cached list.
    const more = await client.query({
      query,
      variables: { first: step.size, after: data[step.field].pageInfo.endCursor },
      fetchPolicy: "network-only",
    });
    data = more.data;
    rounds += 1;
  }
  const merged = client.readQuery({ query, variables: { first: step.size } });
  const forward = merged[step.field].edges.map((e) => e.node.id);
  // Backward, without the cache: last/before until the start.
  const plain = newClient([]);
  const backward = [];
  let before = null;
  for (;;) {
    const page = await plain.query({
      query,
      variables: { last: step.size, before },
      fetchPolicy: "no-cache",
    });
    const connection = page.data[step.field];
    backward.unshift(...connection.edges.map((e) => e.node.id));
    if (!connection.pageInfo.hasPreviousPage) break;
    before = connection.pageInfo.startCursor;
  }
  return { forward, backward, rounds, totalCount: data[step.field].totalCount };
}

async function nodes(step) {
  const client = newClient([]);
  const found = [];
  for (const id of step.ids) {
    const { data } = await client.query({ query: gql(step.query), variables: { id } });
    found.push(data.node);
  }
  return { found };
}

async function mutate(step) {
  const client = newClient([]);
  const { data } = await client.mutate({
    mutation: gql(step.mutation),
    variables: step.variables ?? {},
  });
  return { data };
}

async function subscribe(step) {
  const client = newClient([]);
  const received = [];
  await new Promise((resolve, reject) => {
    const subscription = client
      .subscribe({ query: gql(step.query), variables: step.variables ?? {} })
      .subscribe({
        next: (result) => {
          if (result.error) return reject(result.error);
          received.push(result.data);
          if (received.length >= step.count) {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
        complete: resolve,
      });
  });
  return { received };
}

const kinds = { pages, nodes, mutate, subscribe };
const results = [];
for (const step of plan.steps) {
  results.push(await kinds[step.kind](step));
}
await ws.dispose();
// Idle keep-alive sockets would hold the process open for seconds.
process.stdout.write(JSON.stringify(results), () => process.exit(0));
