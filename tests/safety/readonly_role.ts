import { quoteIdent, type TestCluster, uniqueName } from "../support/test_cluster.ts";

export interface ReadOnlyRole {
  name: string;
  password: string;
  /** The database URL as this role. */
  url: string;
}

/** Runs docs/readonly_role.sql (the README's recipe) for `dbName`, with a unique role name. */
export async function createReadOnlyRole(
  cluster: TestCluster,
  dbName: string,
  schemas: readonly string[] = ["public"],
): Promise<ReadOnlyRole> {
  const name = uniqueName("mcp_reader");
  const password = crypto.randomUUID();
  let recipe = await Deno.readTextFile(new URL("../../docs/readonly_role.sql", import.meta.url));
  recipe = recipe.replaceAll("mcp_reader", name).replaceAll("change-me", password)
    .replaceAll("mydb", quoteIdent(dbName));
  const schemaLines = recipe.split("\n").filter((l) => /SCHEMA public/.test(l));
  for (const schema of schemas.filter((s) => s !== "public")) {
    recipe += "\n" +
      schemaLines.map((l) => l.replaceAll("SCHEMA public", `SCHEMA ${quoteIdent(schema)}`))
        .join("\n");
  }
  await cluster.psql(dbName, recipe);
  return { name, password, url: cluster.urlFor(dbName, name, password) };
}
