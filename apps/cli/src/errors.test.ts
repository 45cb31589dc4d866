import { describe, expect, it } from "vitest";
import { CancelledError, CliError, UsageError } from "./errors.js";

describe("CliError across bundles", () => {
  it("recognises a CliError made by another copy of errors.ts (the command bodies' bundle)", () => {
    // What another copy's CliError looks like from here: its own class, the shared brand.
    class OtherCopyCliError extends Error {}
    Object.defineProperty(OtherCopyCliError.prototype, Symbol.for("@hermes/cli.CliError"), {
      value: true,
    });
    expect(new OtherCopyCliError("x") instanceof CliError).toBe(true);
    expect(new Error("x") instanceof CliError).toBe(false);
    expect(CliError[Symbol.hasInstance](null)).toBe(false);
    expect(CliError[Symbol.hasInstance]("error")).toBe(false);
  });

  it("keeps the subclasses' own instanceof", () => {
    expect(new UsageError("bad flag") instanceof CliError).toBe(true);
    expect(new UsageError("bad flag") instanceof UsageError).toBe(true);
    expect(new CliError("x", "y") instanceof UsageError).toBe(false);
    expect(new CancelledError() instanceof UsageError).toBe(false);
  });
});
