// The sha256Hash a real Apollo Client sends for each .graphql file of a directory.
// Used to record APOLLO_CLIENT_HASHES in tests/test_persisted_queries_apollo.py.
//
//   mkdir /tmp/ac && cd /tmp/ac && npm init -y && npm install graphql@16 @apollo/client@3
//   cp /path/to/persisted_queries/tools/apollo_hashes.mjs . && node apollo_hashes.mjs OPS_DIR
//
// No server is needed: a recording fetch answers PersistedQueryNotFound, so the
// persisted-queries link also re-sends the query text, which is checked against the hash.
import { ApolloClient, InMemoryCache, HttpLink, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";

const dir = process.argv[2];
const sent = [];
const fetch = async (_url, init) => {
  sent.push(JSON.parse(init.body));
  const body = { errors: [{ message: "PersistedQueryNotFound",
                            extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } }] };
  return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
};
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: createPersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: "http://x/graphql", fetch })),
});
const hashes = {};
for (const file of readdirSync(dir).filter((f) => f.endsWith(".graphql")).sort()) {
  const document = gql(readFileSync(`${dir}/${file}`, "utf8"));
  const name = document.definitions.find((d) => d.kind === "OperationDefinition").name.value;
  sent.length = 0;
  const mutation = document.definitions[0].operation === "mutation";
  await (mutation ? client.mutate({ mutation: document, variables: {} })
                  : client.query({ query: document, fetchPolicy: "no-cache" })).catch(() => {});
  const hash = sent[0].extensions.persistedQuery.sha256Hash;
  if (sent[1] && sha256(sent[1].query) !== hash) throw new Error(`${name}: hash mismatch`);
  hashes[name] = hash;
}
console.log(JSON.stringify(hashes, null, 2));
