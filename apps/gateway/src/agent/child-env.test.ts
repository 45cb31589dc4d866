import { describe, expect, it } from "vitest";
import { agentEnvironment } from "./child-env.js";

describe("agentEnvironment (what an exec: agent sees)", () => {
  const env = {
    PATH: "/usr/bin",
    HOME: "/home/gw",
    LANG: "C.UTF-8",
    GATEWAY_RELAY_SECRET: "relay-secret-value",
    GATEWAY_RELAY_DELIVERY_KEY: "delivery-key-value",
    GATEWAY_RELAY_ENROLL_TOKEN: "enroll-token-value",
    GATEWAY_AGENT: "exec:./a.sh",
    COPY_OF_SECRET_UNDER_ODD_NAME: "relay-secret-value",
    OPENAI_API_KEY: "sk-123",
    GITHUB_TOKEN: "ghp_1",
    DB_PASSWORD: "pw",
    my_client_secret: "cs",
    AWS_SECRET_ACCESS_KEY: "aws",
    SSH_PRIVATE_KEY_PATH: "/k",
    GOOGLE_APPLICATION_CREDENTIALS: "/c.json",
    KEYBOARD_LAYOUT: "us",
    UNSET: undefined,
  };
  const secretValues = ["relay-secret-value", "delivery-key-value"];

  it("keeps ordinary variables and drops secrets by name, by pattern and by value", () => {
    expect(agentEnvironment(env, { secretValues })).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/gw",
      LANG: "C.UTF-8",
      GATEWAY_AGENT: "exec:./a.sh",
      KEYBOARD_LAYOUT: "us",
    });
  });

  it("GATEWAY_AGENT_PASS_ENV lets named variables through, never the gateway's own secrets", () => {
    const out = agentEnvironment(env, {
      secretValues,
      passThrough: [
        "OPENAI_API_KEY",
        "GATEWAY_RELAY_SECRET",
        "COPY_OF_SECRET_UNDER_ODD_NAME",
        "GATEWAY_RELAY_ENROLL_TOKEN",
      ],
    });
    expect(out["OPENAI_API_KEY"]).toBe("sk-123");
    expect(out).not.toHaveProperty("GATEWAY_RELAY_SECRET");
    expect(out).not.toHaveProperty("GATEWAY_RELAY_ENROLL_TOKEN");
    expect(out).not.toHaveProperty("COPY_OF_SECRET_UNDER_ODD_NAME");
    expect(Object.values(out)).not.toContain("relay-secret-value");
  });
});
