/**
 * Per-test-file set-up for worker tests: one compiled worker, and every worker and socket a
 * test starts cleaned up after it, pass or fail.
 */
import { after, afterEach, before } from "node:test";
import { bindSocket, buildWorker, startWorker, type BoundSocket, type Worker, type WorkerOptions } from "./harness.js";

export interface Rig {
  /** Binds a socket (TCP unless `unixPath`), closed after the test. */
  socket(unixPath?: string): BoundSocket;
  /** Starts a worker, killed after the test if it still runs. */
  start(options: Omit<WorkerOptions, "main">): Worker;
}

export function useRig(): Rig {
  let main: string | undefined;
  let dispose: (() => void) | undefined;
  const workers: Worker[] = [];
  const sockets: BoundSocket[] = [];

  before(() => {
    const built = buildWorker();
    main = built.main;
    dispose = built.dispose;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    for (const socket of sockets.splice(0)) socket.handle.close();
  });
  after(() => dispose?.());

  return {
    socket(unixPath) {
      const socket = bindSocket(unixPath);
      sockets.push(socket);
      return socket;
    },
    start(options) {
      if (main === undefined) throw new Error("the worker is not built yet");
      const worker = startWorker({ ...options, main });
      workers.push(worker);
      return worker;
    },
  };
}
