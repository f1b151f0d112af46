/**
 * The feed of a supervisor reached through its control socket (`tsgi-supervise dashboard`):
 * the supervisor samples and keeps the history; this process only relays it to the browser.
 */
import { stream } from "../control/client.js";
import { controlPaths } from "../control/protocol.js";
import type { FeedListener, FeedMessage } from "./feed.js";
import type { FeedLike } from "./sse.js";

export function remoteFeed(socketPath: string): FeedLike {
  return {
    subscribe(listener: FeedListener, ended?: () => void) {
      const abort = new AbortController();
      void stream(socketPath, controlPaths.events, (value) => listener(value as FeedMessage), abort.signal)
        .catch(() => 0)
        .then(() => {
          if (!abort.signal.aborted) ended?.();
        });
      return Promise.resolve(() => abort.abort());
    },
  };
}
