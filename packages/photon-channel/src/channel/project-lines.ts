// The project's iMessage lines, as Photon's control plane hands them out with their tokens
// (`POST /projects/{id}/imessage/tokens`): one shared line (the address every project uses), or
// one or more dedicated lines, each served at its own address (`<instance id>.imsg.photon.codes`
// by default) with its own token and phone number. One place issues and renews the tokens, for
// the watch beneath the SDK, for the SDK itself on dedicated lines (which is handed the lines
// explicitly, so their addresses are configurable and testable), and for `checkPhotonConnection`.
import type { ImessageTokens } from "./sdk.js";

/** Where Photon serves a dedicated line; `{instance}` is replaced by the line's instance id. */
export const DEDICATED_LINE_ADDRESS_TEMPLATE = "{instance}.imsg.photon.codes:443";
/** The shared line's address unless `SPECTRUM_IMESSAGE_ADDRESS` says otherwise (the SDK's default). */
export const SHARED_LINE_ADDRESS = "imessage.spectrum.photon.codes:443";
/** Tokens are renewed at this fraction of their lifetime, as the SDK does. */
const TOKEN_RENEW_FRACTION = 0.8;

export interface ImessageLine {
  /** `"shared"`, or the dedicated line's instance id. */
  readonly id: string;
  readonly kind: "shared" | "dedicated";
  /** The gRPC address (host:port). */
  readonly address: string;
  /** The line's own number (dedicated lines); `null` on the shared line. */
  readonly phone: string | null;
}

export interface ProjectLinesOptions {
  /** Issues fresh tokens (the control plane; the SDK's `cloud.issueImessageTokens`). */
  issue(): Promise<ImessageTokens>;
  now: () => number;
  sharedAddress?: string | undefined;
  /** `{instance}` is replaced by the instance id. Default `DEDICATED_LINE_ADDRESS_TEMPLATE`. */
  dedicatedAddress?: string | undefined;
}

/** The control plane answered with a shape this package does not know. */
export class PhotonLinesError extends Error {
  readonly code = "PHOTON_LINES";
  constructor(message: string) {
    super(message);
    this.name = "PhotonLinesError";
  }
}

export class ProjectLines {
  readonly #options: ProjectLinesOptions;
  #tokens: ImessageTokens;
  #issuedAt: number;
  #renewing: Promise<void> | null = null;
  #lines: ImessageLine[];

  private constructor(options: ProjectLinesOptions, tokens: ImessageTokens, issuedAt: number) {
    this.#options = options;
    this.#tokens = tokens;
    this.#issuedAt = issuedAt;
    this.#lines = linesOf(tokens, options);
  }

  /** Issues the first tokens. Rejects with the control plane's error (wrong secret, 429, …). */
  static async open(options: ProjectLinesOptions): Promise<ProjectLines> {
    const tokens = await options.issue();
    return new ProjectLines(options, tokens, options.now());
  }

  get kind(): "shared" | "dedicated" {
    return this.#tokens.type;
  }

  /** The lines as of the first issue (lines added later are served after a restart). */
  get lines(): readonly ImessageLine[] {
    return this.#lines;
  }

  /** When the current tokens are due for renewal (ms since the epoch). */
  get renewAt(): number {
    return this.#issuedAt + this.#tokens.expiresIn * 1000 * TOKEN_RENEW_FRACTION;
  }

  /** The line's current token, renewed first when due. */
  async token(lineId: string): Promise<string> {
    if (this.#options.now() >= this.renewAt) await this.renew();
    const tokens = this.#tokens;
    const token = tokens.type === "shared" ? tokens.token : tokens.auth[lineId];
    if (token === undefined)
      throw new PhotonLinesError(`Photon no longer issues a token for the line ${lineId}.`);
    return token;
  }

  /** Issues fresh tokens now (concurrent callers share one request). */
  renew(): Promise<void> {
    this.#renewing ??= (async () => {
      try {
        const tokens = await this.#options.issue();
        this.#tokens = tokens;
        this.#issuedAt = this.#options.now();
      } finally {
        this.#renewing = null;
      }
    })();
    return this.#renewing;
  }

  /**
   * What the SDK is given on dedicated lines (`imessage.config({ clients })`): each line's address,
   * current token and phone. The SDK does not renew these: the channel restarts it before `renewAt`.
   */
  async sdkClients(): Promise<Array<{ address: string; token: string; phone: string }>> {
    const clients = [];
    for (const line of this.#lines) {
      if (line.phone === null) continue;
      clients.push({ address: line.address, token: await this.token(line.id), phone: line.phone });
    }
    return clients;
  }
}

function linesOf(tokens: ImessageTokens, options: ProjectLinesOptions): ImessageLine[] {
  if (tokens.type === "shared") {
    return [
      {
        id: "shared",
        kind: "shared",
        address: options.sharedAddress ?? SHARED_LINE_ADDRESS,
        phone: null,
      },
    ];
  }
  if (tokens.type !== "dedicated" || typeof tokens.auth !== "object" || tokens.auth === null)
    throw new PhotonLinesError("Photon answered the token request with an unknown shape.");
  const template = options.dedicatedAddress ?? DEDICATED_LINE_ADDRESS_TEMPLATE;
  const lines: ImessageLine[] = [];
  for (const id of Object.keys(tokens.auth)) {
    // The SDK skips a line without a number too: it cannot route sends through it.
    const phone = tokens.numbers?.[id];
    if (typeof phone !== "string" || phone === "") continue;
    lines.push({ id, kind: "dedicated", address: template.replaceAll("{instance}", id), phone });
  }
  if (lines.length === 0)
    throw new PhotonLinesError(
      "Photon lists no dedicated iMessage line with a number for this project; check the Photon dashboard.",
    );
  return lines;
}
