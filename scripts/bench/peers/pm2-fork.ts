/** PM2 in fork mode (its default): the script binds PORT itself; `reload` is a restart. */
import { pm2Peer } from "./pm2.js";

export const pm2Fork = pm2Peer("fork");
