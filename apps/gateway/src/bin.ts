// The bin's entry: hold signals first (early-signals.ts), then load the command tree.
import { holdEarlySignals } from "./early-signals.js";

holdEarlySignals();
await import("./cli.js");
