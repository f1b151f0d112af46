/**
 * One bounded autocannon run (keep-alive, fixed connections and duration) in its own process,
 * so the load generator's CPU is not the harness's: requests per second and p99 latency.
 */
import path from "node:path";
import { run } from "./exec.js";
import { REPO } from "./paths.js";

export interface LoadRun {
  readonly rps: number;
  readonly p99Ms: number;
  /** Connection errors, timeouts and non-2xx answers. */
  readonly errors: number;
}

export interface LoadOptions {
  readonly seconds: number;
  readonly connections: number;
  readonly method?: "GET" | "POST";
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export async function autocannon(url: string, options: LoadOptions): Promise<LoadRun> {
  const bin = path.join(REPO, "node_modules", "autocannon", "autocannon.js");
  const args = [bin, "-j", "-c", String(options.connections), "-d", String(options.seconds)];
  if (options.method !== undefined) args.push("-m", options.method);
  if (options.body !== undefined) args.push("-b", options.body);
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push("-H", `${name}=${value}`);
  const result = await run(process.execPath, [...args, url], { timeoutMs: (options.seconds + 30) * 1000 });
  const json = JSON.parse(result.output.slice(result.output.indexOf("{"))) as {
    requests: { average: number };
    latency: { p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  return { rps: json.requests.average, p99Ms: json.latency.p99, errors: json.errors + json.timeouts + json.non2xx };
}
