// The iMessage channel's Prometheus series on the gateway's private registry (loaded only when
// both /metrics is served and Photon is enabled). Everything is read from the channel's health
// at scrape time, so the channel never has to remember to update a metric.
import type { PhotonChannelHealth } from "@hermes/photon-channel";
import { Counter, Gauge, type Registry } from "prom-client";
import { METRICS_PREFIX } from "../ops/metrics-events.js";

const PREFIX = `${METRICS_PREFIX}photon_`;
const CHANNEL_STATES = ["stopped", "starting", "running", "reconnecting", "failed"] as const;
const STREAM_STATES = ["stopped", "connecting", "live", "backing_off"] as const;

export function registerPhotonMetrics(
  registry: Registry,
  read: () => PhotonChannelHealth | null,
  now: () => number = Date.now,
): void {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}channel_state`,
    help: "1 for the iMessage channel's current state, 0 for the others.",
    labelNames: ["state"],
    registers,
    collect() {
      const current = read()?.state;
      for (const state of CHANNEL_STATES) this.set({ state }, state === current ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}stream_state`,
    help: "1 for the state of the event stream watched beneath the SDK (heartbeats), 0 for the others.",
    labelNames: ["state"],
    registers,
    collect() {
      const current = read()?.watch?.state;
      for (const state of STREAM_STATES) this.set({ state }, state === current ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}seconds_since_last_frame`,
    help: "Seconds since the watched stream last delivered an event or a heartbeat (-1 before the first).",
    registers,
    collect() {
      const at = read()?.watch?.lastFrameAt;
      this.set(at ? Math.max(0, (now() - Date.parse(at)) / 1000) : -1);
    },
  });
  new Gauge({
    name: `${PREFIX}pending_inbound`,
    help: "Messages seen on the stream and not handed over yet.",
    registers,
    collect() {
      this.set(read()?.pendingInbound ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}send_queue_depth`,
    help: "Outbound calls waiting in the paced send queue.",
    registers,
    collect() {
      this.set(read()?.sendQueue.queued ?? 0);
    },
  });
  const monotonic = (name: string, help: string, value: (h: PhotonChannelHealth) => number) => {
    let seen = 0;
    new Counter({
      name: `${PREFIX}${name}`,
      help,
      registers,
      collect() {
        const health = read();
        const n = health ? value(health) : seen;
        if (n > seen) this.inc(n - seen);
        seen = Math.max(seen, n);
      },
    });
  };
  monotonic("inbound_total", "Inbound messages handed to the gateway.", (h) => h.inbound);
  monotonic(
    "denied_total",
    "Inbound messages from senders not in PHOTON_ALLOWED_USERS (never reach the agent).",
    (h) => h.denied,
  );
  monotonic(
    "duplicates_total",
    "Inbound messages dropped by the channel as already handled.",
    (h) => h.duplicates,
  );
  monotonic(
    "recovered_total",
    "Messages handed over through the watch: caught up after a restart or a dead stream.",
    (h) => h.recovered,
  );
  monotonic(
    "silent_streams_total",
    "Streams torn down because they stayed silent past the deadline (zombies).",
    (h) => h.watch?.silentEpisodes ?? 0,
  );
  monotonic(
    "stream_failures_total",
    "Watched streams that ended or failed (drops, refusals).",
    (h) => h.watch?.failures ?? 0,
  );
  monotonic(
    "sdk_restarts_total",
    "Restarts of the spectrum-ts SDK after its streams were judged dead.",
    (h) => h.sdkRestarts,
  );
  monotonic(
    "gaps_total",
    "Catch-ups Photon refused (events no longer held): messages may be lost.",
    (h) => h.gaps,
  );
  monotonic(
    "rate_limit_retries_total",
    "Outbound calls refused with RESOURCE_EXHAUSTED and waited out.",
    (h) => h.sendQueue.rateLimitRetries,
  );
}
