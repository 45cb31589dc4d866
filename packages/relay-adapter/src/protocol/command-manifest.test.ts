import { describe, expect, it } from "vitest";
import { buildCommandManifest } from "./command-manifest.js";

describe("buildCommandManifest", () => {
  it("builds upstream's entry shape, with one optional string option for an args hint", () => {
    const { manifest, dropped } = buildCommandManifest([
      { name: "new", description: "Start a new conversation" },
      { name: "/model", description: "Show or change the model", argsHint: "Model name" },
      { name: "status" },
    ]);
    expect(dropped).toEqual([]);
    expect(manifest).toEqual([
      { name: "new", description: "Start a new conversation" },
      {
        name: "model",
        description: "Show or change the model",
        options: [{ type: 3, name: "args", description: "Model name", required: false }],
      },
      { name: "status", description: "Hermes command" },
    ]);
  });
  it("leaves out names Discord refuses and duplicates, keeps the rest", () => {
    const { manifest, dropped } = buildCommandManifest([
      { name: "Ask" },
      { name: "a".repeat(33) },
      { name: "ok", description: "x".repeat(150) },
      { name: "ok" },
    ]);
    expect(manifest.map((m) => m.name)).toEqual(["ok"]);
    expect(Array.from(manifest[0]!.description)).toHaveLength(100);
    expect(dropped.map((d) => d.name)).toEqual(["Ask", "a".repeat(33), "ok"]);
  });
});
