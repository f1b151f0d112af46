/**
 * Throughput with wrk (keep-alive, one thread: the other core is the server's), or autocannon
 * when wrk is missing. Both bounded by a duration.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { run } from "./exec.js";
import { REPO } from "./paths.js";

export interface Throughput {
  readonly rps: number;
  readonly errors: number;
  readonly tool: string;
}

export function haveWrk(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore", timeout: 5000 });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version.
    return (error as { status?: number }).status === 1;
  }
}

export async function measureThroughput(url: string, options: { seconds: number; connections: number }): Promise<Throughput> {
  if (haveWrk()) {
    const result = await run("wrk", ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, url], {
      timeoutMs: (options.seconds + 30) * 1000,
    });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(result.output)?.[1] ?? "NaN");
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(result.output);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(result.output)?.[1] ?? "0");
    const errors = non2xx + (socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0));
    if (!Number.isFinite(rps)) throw new Error(`wrk printed no Requests/sec: ${result.output.slice(-500)}`);
    return { rps, errors, tool: "wrk" };
  }
  const bin = path.join(REPO, "node_modules", "autocannon", "autocannon.js");
  const result = await run(process.execPath, [bin, "-j", "-c", String(options.connections), "-d", String(options.seconds), url], {
    timeoutMs: (options.seconds + 30) * 1000,
  });
  const json = JSON.parse(result.output.slice(result.output.indexOf("{"))) as {
    requests: { average: number };
    errors: number;
    non2xx: number;
  };
  return { rps: json.requests.average, errors: json.errors + json.non2xx, tool: "autocannon" };
}

export function wrkVersion(): string {
  try {
    return execFileSync("wrk", ["--version"], { encoding: "utf8", timeout: 5000 });
  } catch (error) {
    return (error as { stdout?: string }).stdout ?? "not installed";
  }
}
