/**
 * `tsgi-supervise dashboard [--open] [-c sites.yaml]`: the live dashboard from this process, on a
 * free loopback port with a token made for this run only, fed by the supervisor over its control
 * socket. Runs until Ctrl-C. To look at a server: `ssh -L PORT:127.0.0.1:PORT server`.
 */
import { spawn } from "node:child_process";
import { controlSocketOf, formatIssues } from "../config/load.js";
import { request, SupervisorNotRunning } from "../control/client.js";
import { remoteFeed } from "../dashboard/remote.js";
import { randomToken, tokenAuth } from "../http/auth.js";
import { controlProxy } from "../http/control-proxy.js";
import { startHttpListener } from "../http/listener.js";
import type { Command } from "./args.js";

type DashboardCommand = Extract<Command, { name: "dashboard" }>;
type Io = { readonly out: NodeJS.WritableStream; readonly err: NodeJS.WritableStream };

export async function dashboardCommand(command: DashboardCommand, io: Io): Promise<number> {
  let socket: string;
  if (command.control.type === "socket") socket = command.control.path;
  else {
    const found = await controlSocketOf(command.control.file);
    if (!found.ok) {
      io.err.write(`${formatIssues(found.errors)}\n`);
      return 2;
    }
    socket = found.path;
  }
  try {
    await request(socket, "GET", "/v1/supervisor");
  } catch (error) {
    if (error instanceof SupervisorNotRunning) {
      io.err.write(`tsgi: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const token = randomToken();
  const listener = await startHttpListener("127.0.0.1", 0, {
    auth: tokenAuth(token),
    control: controlProxy(socket),
    feed: remoteFeed(socket),
  });
  const url = `${listener.url}?token=${token}`;
  io.out.write(
    `dashboard of the supervisor on ${socket}:\n\n  ${url}\n\n` +
      `From another machine: ssh -L ${listener.port}:127.0.0.1:${listener.port} THIS-HOST, then open the URL there.\n` +
      `The token is new on every start and dies with this process. Ctrl-C to stop.\n`,
  );
  if (command.open) openBrowser(url, io);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await listener.close();
  return 0;
}

/** xdg-open, no shell; a machine without a desktop just gets the message. */
function openBrowser(url: string, io: Io): void {
  const child = spawn("xdg-open", [url], { stdio: "ignore", detached: true });
  child.on("error", () => io.err.write("tsgi: could not run xdg-open; open the URL above in a browser\n"));
  child.unref();
}
