import { afterEach, expect, it } from "vitest";
import { HELD_SIGNALS, holdEarlySignals, takeEarlySignals } from "./early-signals.js";

afterEach(() => void takeEarlySignals());

it("signals that arrive while the bin loads are held, in order, for whoever takes them", () => {
  const before = HELD_SIGNALS.map((s) => process.listenerCount(s));
  holdEarlySignals();
  expect(HELD_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before.map((n) => n + 1));
  process.emit("SIGHUP", "SIGHUP");
  process.emit("SIGTERM", "SIGTERM");
  expect(takeEarlySignals()).toEqual(["SIGHUP", "SIGTERM"]);
  // Taken once: the listeners are gone and nothing is held any more.
  expect(HELD_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before);
  expect(takeEarlySignals()).toEqual([]);
});

it("nothing held: none", () => {
  holdEarlySignals();
  expect(takeEarlySignals()).toEqual([]);
});
