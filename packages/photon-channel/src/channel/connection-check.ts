// "Can this machine receive iMessages for this project?" — answered the way the channel itself
// connects: the project's lines and tokens from the control plane (ProjectLines, as `start()`
// does), then on each line a subscription to the message events through the same gRPC client the
// watch uses, held until its first frame (an event or a server heartbeat) arrives. Never throws:
// a typed result says which step failed and how.
import { withDeadline } from "./deadline.js";
import { classifyPhotonError, type PhotonErrorClass } from "./errors.js";
import { PhotonLinesError, ProjectLines } from "./project-lines.js";
import { loadSpectrumSdk, type SpectrumSdk } from "./sdk.js";

export interface PhotonConnectionCheckOptions {
  projectId: string;
  /** Used for the token request only; never in the result. */
  projectSecret: string;
  /** The shared line's address (what the SDK reads from `SPECTRUM_IMESSAGE_ADDRESS`). */
  imessageAddress?: string | undefined;
  /** Dedicated lines' address template (`{instance}`), as for the channel. */
  dedicatedLineAddress?: string | undefined;
  /** How long to wait for each step (the first frame included). Default 30 000 ms. */
  timeoutMs?: number | undefined;
  now?: (() => number) | undefined;
  loadSdk?: (() => Promise<SpectrumSdk>) | undefined;
}

export type PhotonConnectionCheckStep = "loading the SDK" | "issuing tokens" | "subscribing";

export type PhotonConnectionCheck =
  | {
      ok: true;
      lineKind: "shared" | "dedicated";
      /** Each line subscribed to: `shared` or the instance id, with its number when it has one. */
      lines: Array<{ line: string; phone: string | null }>;
    }
  | {
      ok: false;
      step: PhotonConnectionCheckStep;
      /** How the failure classifies (`sdk_unavailable` when spectrum-ts cannot be loaded, `timeout` when nothing answered in time). */
      failure: PhotonErrorClass | "sdk_unavailable" | "no_lines" | "timeout";
      /** The line that failed, when one did. */
      line?: string | undefined;
    };

type CheckFailure = Extract<PhotonConnectionCheck, { ok: false }>["failure"];

const DEFAULT_TIMEOUT_MS = 30_000;

export async function checkPhotonConnection(
  options: PhotonConnectionCheckOptions,
): Promise<PhotonConnectionCheck> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let sdk: SpectrumSdk;
  try {
    sdk = await (options.loadSdk ?? loadSpectrumSdk)();
  } catch {
    return { ok: false, step: "loading the SDK", failure: "sdk_unavailable" };
  }
  let lines: ProjectLines;
  try {
    lines = await withDeadline(
      ProjectLines.open({
        issue: () => sdk.cloud.issueImessageTokens(options.projectId, options.projectSecret),
        now: options.now ?? Date.now,
        sharedAddress: options.imessageAddress,
        dedicatedAddress: options.dedicatedLineAddress,
      }),
      timeoutMs,
      "issuing tokens",
    );
  } catch (error) {
    return { ok: false, step: "issuing tokens", failure: failureOf(error) };
  }
  for (const line of lines.lines) {
    const failure = await firstFrame(sdk, lines, line.id, line.address, timeoutMs);
    if (failure !== null) return { ok: false, step: "subscribing", failure, line: line.id };
  }
  return {
    ok: true,
    lineKind: lines.kind,
    lines: lines.lines.map((line) => ({ line: line.id, phone: line.phone })),
  };
}

/** Subscribes on one line and waits for its first frame; `null` when one came. */
async function firstFrame(
  sdk: SpectrumSdk,
  lines: ProjectLines,
  lineId: string,
  address: string,
  timeoutMs: number,
): Promise<CheckFailure | null> {
  let framed: () => void = () => undefined;
  const frame = new Promise<void>((resolve) => (framed = resolve));
  const client = sdk.createGrpcClient({
    address,
    token: () => lines.token(lineId),
    tls: true,
    retry: false,
    onHeartbeat: () => framed(),
  });
  const stream = client.messages.subscribeEvents();
  const pump = (async () => {
    // The first event counts as much as a heartbeat; nothing more is read.
    for await (const event of stream) {
      void event;
      framed();
      return;
    }
    throw new Error("the subscription ended before its first frame");
  })();
  try {
    await withDeadline(Promise.race([frame, pump]), timeoutMs, "the first frame");
    return null;
  } catch (error) {
    return failureOf(error);
  } finally {
    pump.catch(() => undefined);
    await withDeadline(Promise.resolve(stream.close()), timeoutMs, "closing").catch(
      () => undefined,
    );
    await withDeadline(Promise.resolve(client.close()), timeoutMs, "closing").catch(
      () => undefined,
    );
  }
}

function failureOf(error: unknown): CheckFailure {
  if (error instanceof PhotonLinesError) return "no_lines";
  if ((error as { code?: unknown } | null)?.code === "PHOTON_DEADLINE") return "timeout";
  return classifyPhotonError(error, false);
}
