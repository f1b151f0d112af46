/**
 * What a scaled site (`processes: {min, max, idle}`) needs beside its slots: the kernel's view of
 * its socket for the scaler, how its waiting connections are answered when it cannot start, and
 * how many processes a reload or a config change starts.
 */
import type { ResolvedSite } from "../config/types.js";
import { answerWaiting, type WaitingAnswer } from "../sockets/answer-waiting.js";
import { acceptQueueLength, connectionInodes } from "../sockets/socket-load.js";
import { connectionsByProcess } from "./process-connections.js";
import type { SocketLoad } from "./scaler.js";

export function socketLoad(config: () => ResolvedSite): SocketLoad {
  return {
    queued: (socket) => acceptQueueLength(socket),
    connections: async (socket, pids) => {
      const inodes = connectionInodes(socket);
      return inodes === undefined ? undefined : connectionsByProcess(pids, inodes);
    },
    answer: (socket, reason) => answerWaiting(socket, waitingAnswer(config(), reason)),
  };
}

/** HTTP sites get a `503` naming the site and the reason; other programs' clients are closed. */
export function waitingAnswer(config: ResolvedSite, reason: string): WaitingAnswer {
  const http = config.kind.type !== "command" || config.ready.type === "http";
  return http ? { type: "http", site: config.name, reason } : { type: "close" };
}

/**
 * Processes of a new generation (reload, config change) replacing `upCount` running ones: a fixed
 * site runs its count; a scaled one replaces as many as are up, within its (new) min and max.
 */
export function generationSize(config: ResolvedSite, upCount: number): number {
  const scaling = config.scaling;
  if (scaling === undefined) return config.processes;
  return Math.min(scaling.max, Math.max(scaling.min, upCount));
}
