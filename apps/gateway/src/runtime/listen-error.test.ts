import { expect, it } from "vitest";
import { ListenError } from "./listen-error.js";

const host = { value: "127.0.0.1", source: "default", key: "" } as const;
const port = { value: 80, source: "env", key: "GATEWAY_HEALTH_PORT" } as const;
const failure = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

it("only a port this user may not bind is the configuration's (exit 2); what may pass exits 1", () => {
  const e = new ListenError(
    "the health endpoint",
    host,
    port,
    "GATEWAY_HEALTH_HOST",
    "GATEWAY_HEALTH_PORT",
    failure("EACCES"),
  );
  expect(e.exitCode).toBe(2);
  expect(e.message).toBe(
    "the health endpoint cannot listen on 127.0.0.1:80 (GATEWAY_HEALTH_HOST (default), GATEWAY_HEALTH_PORT (from env)): permission denied (ports below 1024 need privileges) (EACCES)",
  );
  for (const code of ["EADDRINUSE", "EADDRNOTAVAIL", "ENOTFOUND", "EAI_AGAIN", "EMFILE", "ENOMEM"])
    expect(new ListenError("x", host, port, "H", "P", failure(code)).exitCode).toBe(1);
  // An unknown code keeps the system's own message.
  expect(new ListenError("x", host, port, "H", "P", failure("EWHATEVER")).message).toContain(
    "listen EWHATEVER (EWHATEVER)",
  );
});
