import { bare } from "./bare.js";
import { nodemon } from "./nodemon.js";
import { pm2Cluster } from "./pm2-cluster.js";
import { pm2Fork } from "./pm2-fork.js";
import { supervisord } from "./supervisord.js";
import { tsgi } from "./tsgi.js";
import type { Peer, PeerName } from "./types.js";

export const PEERS: Readonly<Record<PeerName, Peer>> = {
  bare,
  tsgi,
  "pm2-fork": pm2Fork,
  "pm2-cluster": pm2Cluster,
  supervisord,
  nodemon,
};
