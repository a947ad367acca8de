/**
 * The storage conformance suite on a Durable Object's SQLite storage, inside workerd: each test body runs inside
 * its own fresh Durable Object (its storage can be used from nowhere else).
 */
import { env, runInDurableObject } from "cloudflare:test";
import { durableObjectSql } from "../../../src/worker/store/durable-object-sql.ts";
import { describeSqlBackend } from "../../store/sql-conformance.ts";

let objects = 0;
describeSqlBackend("Durable Object SQLite storage (workerd)", async () => {
  const stub = env.ORGS.get(env.ORGS.idFromName(`conformance-${objects++}`));
  return {
    use: (body) => runInDurableObject(stub, (_object, state) => body(durableObjectSql(state.storage))),
  };
});
