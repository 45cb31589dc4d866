// The HERMES_HOME store and its Photon view as one command body (tsup.config.ts): every use of
// @hermes/credential-store goes through here, so a process holds one copy of it (one lock
// registry), and commands that never touch HERMES_HOME (help, completion) never compile it.
export { createHomeStore } from "../store.js";
export { photonStore } from "../photon/store-binding.js";
