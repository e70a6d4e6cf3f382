// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
const t = new StdioClientTransport({
  command: "deno",
  args: ["run", "-A", "main.ts"],
  env: { DATABASE_URL: "postgres://postgres@127.0.0.1:55432/ex", PATH: Deno.env.get("PATH")! },
  stderr: "inherit",
});
const c = new Client({ name: "t", version: "1" });
await c.connect(t);
console.log(JSON.stringify((await c.listTools()).tools[0]).slice(0, 400));
console.log(
  JSON.stringify(await c.callTool({ name: "query", arguments: { question: "how many members?" } })),
);
await c.close();
