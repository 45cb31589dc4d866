// The project's iMessage lines, as Photon's control plane hands them out with their tokens
// (`POST /projects/{id}/imessage/tokens`): one shared line (the address every project uses), or
// one or more dedicated lines, each served at its own address (`<instance id>.imsg.photon.codes`
// by default) with its own token and phone number. One place issues and renews the tokens, for
// the watch beneath the SDK, for the SDK itself on dedicated lines (which is handed the lines
// explicitly, so their addresses are configurable and testable), and for `checkPhotonConnection`.
// Every issue is compared with the one before: lines Photon adds or takes away while the channel
// runs are reported (`onChange`), so the channel can follow them without a restart.
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
  /**
   * Where dedicated lines are served: a template (`{instance}` is replaced by the instance id), or
   * comma-separated `instanceId=host:port` pairs for lines served at addresses of their own,
   * optionally with one template among them for the others. Default `DEDICATED_LINE_ADDRESS_TEMPLATE`.
   */
  dedicatedAddress?: string | undefined;
  /**
   * Called after a (re)issue whose lines differ from the previous issue's: lines added, taken away,
   * renumbered, or a switch between the shared line and dedicated lines. Not called by `open()`.
   */
  onChange?: ((change: LinesChange) => void) | undefined;
}

/** How one issue's lines differ from the previous one's. */
export interface LinesChange {
  added: readonly ImessageLine[];
  removed: readonly ImessageLine[];
  /** Lines kept under the same id whose number or address changed (the new version). */
  changed: readonly ImessageLine[];
  /** The project moved between the shared line and dedicated lines. */
  kindChanged: boolean;
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
  #generation = 0;
  readonly #addresses: DedicatedAddresses;

  private constructor(options: ProjectLinesOptions, tokens: ImessageTokens, issuedAt: number) {
    this.#options = options;
    this.#addresses = parseDedicatedAddresses(options.dedicatedAddress);
    this.#tokens = tokens;
    this.#issuedAt = issuedAt;
    this.#lines = linesOf(tokens, options.sharedAddress, this.#addresses);
    if (this.#lines.length === 0)
      throw new PhotonLinesError(
        "Photon lists no dedicated iMessage line with a number for this project; check the Photon dashboard.",
      );
  }

  /** Issues the first tokens. Rejects with the control plane's error (wrong secret, 429, …). */
  static async open(options: ProjectLinesOptions): Promise<ProjectLines> {
    const tokens = await options.issue();
    return new ProjectLines(options, tokens, options.now());
  }

  get kind(): "shared" | "dedicated" {
    return this.#tokens.type;
  }

  /** The lines of the latest issue (may be empty after one: every dedicated line taken away). */
  get lines(): readonly ImessageLine[] {
    return this.#lines;
  }

  /** Counts the issues whose lines differed from the one before (0 until the first change). */
  get generation(): number {
    return this.#generation;
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
        // An answer of an unknown shape throws here: the tokens in hand are kept.
        const lines = linesOf(tokens, this.#options.sharedAddress, this.#addresses);
        const kindChanged = tokens.type !== this.#tokens.type;
        const change = diffLines(this.#lines, lines, kindChanged);
        this.#tokens = tokens;
        this.#issuedAt = this.#options.now();
        this.#lines = lines;
        if (change) {
          this.#generation += 1;
          this.#options.onChange?.(change);
        }
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
    if (this.#options.now() >= this.renewAt) await this.renew();
    // One issue's lines with that issue's tokens, read together (a renewal may swap both).
    const tokens = this.#tokens;
    if (tokens.type !== "dedicated") return [];
    const clients = [];
    for (const line of this.#lines) {
      const token = tokens.auth[line.id];
      if (line.phone === null || token === undefined) continue;
      clients.push({ address: line.address, token, phone: line.phone });
    }
    return clients;
  }
}

interface DedicatedAddresses {
  template: string;
  byInstance: ReadonlyMap<string, string>;
}

/** `tmpl` or `id=host:port,id=host:port[,tmpl]`; blanks ignored, a later pair for the same id wins. */
function parseDedicatedAddresses(setting: string | undefined): DedicatedAddresses {
  let template = DEDICATED_LINE_ADDRESS_TEMPLATE;
  const byInstance = new Map<string, string>();
  for (const entry of (setting ?? "").split(",")) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    const equals = trimmed.indexOf("=");
    if (equals === -1) template = trimmed;
    else byInstance.set(trimmed.slice(0, equals).trim(), trimmed.slice(equals + 1).trim());
  }
  return { template, byInstance };
}

function linesOf(
  tokens: ImessageTokens,
  sharedAddress: string | undefined,
  addresses: DedicatedAddresses,
): ImessageLine[] {
  if (tokens.type === "shared") {
    return [
      {
        id: "shared",
        kind: "shared",
        address: sharedAddress ?? SHARED_LINE_ADDRESS,
        phone: null,
      },
    ];
  }
  if (tokens.type !== "dedicated" || typeof tokens.auth !== "object" || tokens.auth === null)
    throw new PhotonLinesError("Photon answered the token request with an unknown shape.");
  const lines: ImessageLine[] = [];
  for (const id of Object.keys(tokens.auth)) {
    // The SDK skips a line without a number too: it cannot route sends through it.
    const phone = tokens.numbers?.[id];
    if (typeof phone !== "string" || phone === "") continue;
    const address = addresses.byInstance.get(id) ?? addresses.template.replaceAll("{instance}", id);
    lines.push({ id, kind: "dedicated", address, phone });
  }
  return lines;
}

function diffLines(
  before: readonly ImessageLine[],
  after: readonly ImessageLine[],
  kindChanged: boolean,
): LinesChange | null {
  const old = new Map(before.map((line) => [line.id, line]));
  const now = new Set(after.map((line) => line.id));
  const added = after.filter((line) => !old.has(line.id));
  const removed = before.filter((line) => !now.has(line.id));
  const changed = after.filter((line) => {
    const was = old.get(line.id);
    return was !== undefined && (was.phone !== line.phone || was.address !== line.address);
  });
  if (!kindChanged && added.length === 0 && removed.length === 0 && changed.length === 0)
    return null;
  return { added, removed, changed, kindChanged };
}
