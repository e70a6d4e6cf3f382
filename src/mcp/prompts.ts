import { z } from "zod";
import type { DatabaseRegistry } from "../databases/registry.ts";
import { overviewUri, tableUri } from "./resources.ts";
import { completable, type McpServer } from "./sdk.ts";

/** Completion answers are capped at 100 values by MCP. */
const MAX_COMPLETIONS = 100;

/**
 * Prompts a client's model can start from: explore a database, answer a question with SQL,
 * explain a query, look at one table. Each names the tools to use, in order, and the database
 * and table arguments complete from the catalog.
 */
export function promptRegistrar(databases: DatabaseRegistry): (server: McpServer) => void {
  const databaseArg = completable(
    z.string().optional().describe("Which database (see list_databases); default: the default one"),
    (value) => startingWith(databases.names(), value ?? ""),
  );
  const tableArg = completable(
    z.string().describe("The table, as schema.table or table"),
    async (value, context) => {
      const db = databases.resolve(context?.arguments?.database);
      if (!db.ok) return [];
      const snapshot = await db.value.schema.get();
      if (!snapshot.ok) return [];
      const names = snapshot.value.tables.map((t) => `${t.schema}.${t.name}`);
      const prefix = (value ?? "").toLowerCase();
      return startingWith(
        names.filter((n) =>
          n.toLowerCase().startsWith(prefix) || n.split(".")[1].startsWith(prefix)
        ),
        "",
      );
    },
  );
  const name = (database?: string) => {
    const db = databases.resolve(database);
    return db.ok ? db.value.name : database ?? "default";
  };

  // The schemas above are made once per process; each (per-request) server only registers.
  return (server) => {
    server.registerPrompt("explore_database", {
      title: "Explore the database",
      description: "Tour a database: its schemas and main tables, how they connect, and good " +
        "questions to ask it",
      argsSchema: { database: databaseArg },
    }, ({ database }) => {
      const db = name(database);
      return {
        messages: [
          {
            role: "user",
            content: {
              type: "resource_link",
              uri: overviewUri(db),
              name: `${db} overview`,
              mimeType: "text/plain",
            },
          },
          {
            role: "user",
            content: {
              type: "text",
              text: `Explore the PostgreSQL database "${db}" with the pg-mcp tools. Read its ` +
                "overview (above, or `list_tables`), then `describe_table` the five or so tables " +
                "that look central and follow their foreign keys. Summarize what the database " +
                "holds and how the tables connect, then suggest five questions it can answer, " +
                "each with the `query` call or the SQL (for `execute_sql`) that answers it. " +
                "Everything is read-only.",
            },
          },
        ],
      };
    });

    server.registerPrompt("write_query", {
      title: "Answer a question with SQL",
      description: "Find the tables a question needs, write one read-only PostgreSQL query, run " +
        "it, and check the answer",
      argsSchema: {
        question: z.string().describe("The question, in plain language"),
        database: databaseArg,
      },
    }, ({ question, database }) => ({
      messages: [{
        role: "user",
        content: {
          type: "text",
          text: `Answer this question from the PostgreSQL database "${name(database)}":\n\n` +
            `${question}\n\nUse the pg-mcp tools: \`search_schema\` with the question to find ` +
            "the tables, `describe_table` for their columns and keys, then write one read-only " +
            "SELECT and run it with `execute_sql` (add ORDER BY and a LIMIT when listing rows). " +
            "If it fails, read PostgreSQL's error and fix the query. Check that the rows really " +
            "answer the question, then answer in a sentence or a small table and show the SQL. " +
            "(`query` does all of this in one call with the server's own model, when configured.)",
        },
      }],
    }));

    server.registerPrompt("explain_query", {
      title: "Explain a query",
      description: "Explain what a SQL query does and how PostgreSQL plans to run it",
      argsSchema: {
        sql: z.string().describe("The SQL to explain"),
        database: databaseArg,
      },
    }, ({ sql, database }) => ({
      messages: [{
        role: "user",
        content: {
          type: "text",
          text: `Explain this query against the PostgreSQL database "${name(database)}":\n\n` +
            `${sql}\n\nSay in plain words what it returns. Then run \`EXPLAIN (FORMAT JSON)\` ` +
            "of it with `execute_sql` (EXPLAIN without ANALYZE runs nothing) and read the plan: " +
            "scans, joins, estimated rows and cost, and whether an index would help. Use " +
            "`describe_table` for the tables it reads.",
        },
      }],
    }));

    server.registerPrompt("describe_table", {
      title: "Look at a table",
      description: "What one table holds: its columns, keys, relationships and a few sample rows",
      argsSchema: { table: tableArg, database: databaseArg },
    }, ({ table, database }) => {
      const db = name(database);
      const [schema, rel] = table.includes(".") ? table.split(".", 2) : ["public", table];
      return {
        messages: [
          {
            role: "user",
            content: {
              type: "resource_link",
              uri: tableUri(db, schema, rel),
              name: `${schema}.${rel}`,
              mimeType: "text/plain",
            },
          },
          {
            role: "user",
            content: {
              type: "text",
              text: `Describe the table ${table} of the database "${db}": what one row stands ` +
                "for, its columns and keys (`describe_table`), the tables it links to, and five " +
                "sample rows (`execute_sql` with ORDER BY its key and LIMIT 5).",
            },
          },
        ],
      };
    });
  };
}

function startingWith(names: string[], prefix: string): string[] {
  const lower = prefix.toLowerCase();
  return names.filter((n) => n.toLowerCase().startsWith(lower)).sort().slice(0, MAX_COMPLETIONS);
}
