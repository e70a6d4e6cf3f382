/** What the command line asks for: serve (the default), help, version, or doctor. */
export type Command =
  | { kind: "serve" }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "doctor" }
  | { kind: "invalid"; message: string };

export function parseCommand(args: readonly string[]): Command {
  if (args.length === 0) return { kind: "serve" };
  const [first, ...rest] = args;
  if (rest.length > 0) {
    return { kind: "invalid", message: `Cannot use "${rest.join(" ")}": one command at a time` };
  }
  switch (first) {
    case "-h":
    case "--help":
    case "help":
      return { kind: "help" };
    case "-V":
    case "--version":
    case "version":
      return { kind: "version" };
    case "doctor":
      return { kind: "doctor" };
    case "serve":
      return { kind: "serve" };
    default:
      return { kind: "invalid", message: `Cannot understand "${first}": try --help` };
  }
}

export function usage(version: string): string {
  return `pg-mcp ${version}: ask PostgreSQL databases questions in plain language, safely (MCP)

Usage:
  pg-mcp              serve MCP over stdio (MCP_TRANSPORT=http: Streamable HTTP)
  pg-mcp doctor       check the configuration, the databases, the model and the ports
  pg-mcp --version    print the version
  pg-mcp --help       print this text

With nothing configured, pg-mcp serves an embedded demo database (the Chinook music store).
Point it at your own database with DATABASE_URL=postgres://user:password@host:5432/db (or
DATABASE_* / PG* variables); add more with DATABASE_URL_<NAME>=... Set OPENAI_API_KEY (and
OPENAI_BASE_URL for another OpenAI-compatible server) for the plain-language \`query\` tool.
Settings come from the environment and a .env file in the working directory; every variable is
listed in the README and in .env.example.
`;
}
