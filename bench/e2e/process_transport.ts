/**
 * An MCP client transport over a child process's stdin/stdout, for the SDK's Client. It does what
 * the SDK's StdioClientTransport does (one JSON-RPC message per line, parsed by the SDK's own
 * `deserializeMessage`) but splits lines in linear time: under Deno, StdioClientTransport spends
 * about 25 s receiving one 30 MB message (its buffer is re-joined and re-searched on every
 * chunk), which would measure the client instead of the server.
 */
import { LineSplitter } from "./line_splitter.ts";
import {
  deserializeMessage,
  type JSONRPCMessage,
  serializeMessage,
  type Transport,
} from "./sdk.ts";

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd?: string;
  /** The child's whole environment (nothing else is inherited). */
  env: Record<string, string>;
}

/** The last message received: its size and the client's time to decode and parse it. */
export interface MessageStats {
  bytes: number;
  parseMs: number;
}

const STDERR_LINES_KEPT = 200;

export class ProcessStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The last lines the child wrote to stderr. */
  readonly stderr: string[] = [];
  lastMessage: MessageStats = { bytes: 0, parseMs: 0 };
  #child?: Deno.ChildProcess;
  #writer?: WritableStreamDefaultWriter<Uint8Array>;
  #closed = false;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): Promise<void> {
    if (this.#child) throw new Error("Cannot start the transport: it is already started");
    const child = new Deno.Command(this.spec.command, {
      args: this.spec.args,
      cwd: this.spec.cwd,
      env: this.spec.env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    const reading = Promise.all([this.#readStdout(child), this.#readStderr(child)]);
    void reading.then(() => child.status).then(() => this.onclose?.());
    return Promise.resolve();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#writer) throw new Error("Cannot send: the transport is not started");
    await this.#writer.write(new TextEncoder().encode(serializeMessage(message)));
  }

  /** Closes stdin and sends SIGTERM; SIGKILL if the child is still there after 3 s. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || this.#closed) return;
    this.#closed = true;
    await this.#writer?.close().catch(() => undefined);
    signal(child, "SIGTERM");
    const timer = setTimeout(() => signal(child, "SIGKILL"), 3_000);
    await child.status;
    clearTimeout(timer);
  }

  async #readStdout(child: Deno.ChildProcess): Promise<void> {
    const splitter = new LineSplitter();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of child.stdout) {
        for (const line of splitter.push(chunk)) {
          const t0 = performance.now();
          let message: JSONRPCMessage;
          try {
            message = deserializeMessage(decoder.decode(line));
          } catch (error) {
            this.onerror?.(error as Error);
            continue;
          }
          this.lastMessage = { bytes: line.length, parseMs: performance.now() - t0 };
          this.onmessage?.(message);
        }
      }
    } catch (error) {
      if (!this.#closed) this.onerror?.(error as Error);
    }
  }

  async #readStderr(child: Deno.ChildProcess): Promise<void> {
    const splitter = new LineSplitter();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of child.stderr) {
        for (const line of splitter.push(chunk)) {
          this.stderr.push(decoder.decode(line));
          if (this.stderr.length > STDERR_LINES_KEPT) this.stderr.shift();
        }
      }
    } catch { /* the child is gone */ }
  }
}

function signal(child: Deno.ChildProcess, sig: Deno.Signal): void {
  try {
    child.kill(sig);
  } catch { /* already exited */ }
}
