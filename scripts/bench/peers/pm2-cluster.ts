/** PM2 in cluster mode, one instance: the daemon owns the socket; `reload` is graceful. */
import { pm2Peer } from "./pm2.js";

export const pm2Cluster = pm2Peer("cluster");
