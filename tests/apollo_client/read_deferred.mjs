// Apollo Client (the npm package, as a web app runs it) reading a deferred query from the
// BFF: tests/test_defer_apollo.py runs it with one JSON argument
//   {"url": BFF /graphql, "query": text, "variables": {...}, "release": URL or null}
// and reads one JSON line per result the client emits. When a held service is to be let go
// once the client has shown the initial part, "release" is the demo's fault control: it is
// sent a DELETE after the first partial result, so the order of the parts is the test's.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { Defer20220824Handler } from "@apollo/client/incremental";

const { url, query, variables, release } = JSON.parse(process.argv[2]);

const client = new ApolloClient({
  link: new HttpLink({ uri: url, headers: { "x-request-timeout-ms": "5000" } }),
  cache: new InMemoryCache(),
  incrementalHandler: new Defer20220824Handler(),
});

const emitted = (result) => ({
  dataState: result.dataState,
  data: result.data ?? null,
  errors: result.error?.errors ?? (result.error ? [{ message: result.error.message }] : []),
});

await new Promise((resolve, reject) => {
  let released = false;
  const subscription = client
    .watchQuery({ query: gql(query), variables, fetchPolicy: "network-only", errorPolicy: "all" })
    .subscribe({
      next: (result) => {
        if (result.loading && result.dataState === "empty") return;
        console.log(JSON.stringify(emitted(result)));
        if (result.dataState === "streaming" && release && !released) {
          released = true;
          fetch(release, { method: "DELETE" }).catch(reject);
        }
        if (result.dataState === "complete") {
          subscription.unsubscribe();
          resolve();
        }
      },
      error: reject,
    });
});
client.stop();
