// `hermes doctor`: one line per check (✓ ok, ⚠ works but should be fixed, ✗ broken, – not
// set up), each problem with its fix. It reuses what the commands themselves use (the relay
// link from `gateway status`, the Photon token check from `photon setup`), so a check cannot
// disagree with the command it stands for. Exit 1 when any check is ✗.
import { chmod, stat } from "node:fs/promises";
import { SettingsError } from "@hermes/settings";
import { resolveGatewaySettings } from "@hermes/settings/gateway";
import type { LoadedSettings } from "../config-file.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { resolveStatus, type RelayStatus } from "../gateway/status.js";
import { safeRequest } from "../net/safe-fetch.js";
import type { PhotonApi, PhotonStore } from "../photon/ports.js";
import type { HomeStore } from "../store.js";
import { type JsonOption, printData } from "../ui/output.js";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface Check {
  /** Stable id for scripts: node, home, env-file, auth-file, auth-json, relay-credentials, connector, photon-token, gateway-settings. */
  readonly id: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to do about it (absent when there is nothing to do). */
  readonly fix?: string;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly home: string;
  readonly checks: readonly Check[];
}

export interface DoctorDeps {
  readonly store: HomeStore;
  /** Loaded only when a Photon token is stored. */
  readonly photon: () => Promise<{ api: PhotonApi; pstore: PhotonStore }>;
  readonly nodeVersion?: string;
}

/** The oldest Node.js the CLI supports (package.json `engines`). */
const NODE_MIN: readonly [number, number] = [20, 19];
const CONNECTOR_TIMEOUT_MS = 5_000;

const check = (id: string, status: CheckStatus, message: string, fix?: string): Check =>
  fix === undefined ? { id, status, message } : { id, status, message, fix };

function nodeCheck(version: string): Check {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const ok = major > NODE_MIN[0] || (major === NODE_MIN[0] && minor >= NODE_MIN[1]);
  const need = `${NODE_MIN[0]}.${NODE_MIN[1]}`;
  return ok
    ? check("node", "ok", `Node.js ${version} (≥ ${need})`)
    : check(
        "node",
        "fail",
        `Node.js ${version} is older than ${need}`,
        `install Node.js ${need} or newer`,
      );
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, "0");

async function modeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mode;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(
      "stat-failed",
      `Could not inspect ${path} (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
    );
  }
}

async function homeCheck(home: string): Promise<Check> {
  const mode = await modeOf(home);
  if (mode === null)
    return check(
      "home",
      "skip",
      `HERMES_HOME ${home} does not exist yet`,
      "it is created by `hermes gateway enroll` or `hermes photon login`",
    );
  if (mode & 0o002)
    return check(
      "home",
      "fail",
      `HERMES_HOME ${home} is writable by everyone (mode ${octal(mode)})`,
      `chmod 700 ${home}`,
    );
  return check("home", "ok", `HERMES_HOME ${home} (mode ${octal(mode)})`);
}

/** A secrets file others can read: tightened to 0600 with --fix, else a warning with the command. */
async function secretFileCheck(id: string, path: string, fix: boolean): Promise<Check> {
  const mode = await modeOf(path);
  if (mode === null) return check(id, "skip", `${path} does not exist`);
  if ((mode & 0o077) === 0) return check(id, "ok", `${path} is private (mode ${octal(mode)})`);
  if (fix) {
    await chmod(path, 0o600);
    return check(
      id,
      "ok",
      `${path} was readable by others (mode ${octal(mode)}); tightened to 0600`,
    );
  }
  return check(
    id,
    "warn",
    `${path} holds secrets and is readable by others (mode ${octal(mode)})`,
    `chmod 600 ${path}  (or run \`hermes doctor --fix\`)`,
  );
}

async function authJsonCheck(store: HomeStore): Promise<Check> {
  try {
    await store.readAuth();
    return check("auth-json", "ok", "auth.json is readable and valid JSON (or absent)");
  } catch (e) {
    if (e instanceof CliError)
      return check("auth-json", "fail", e.message, e.hints[0] ?? "fix or move the file away");
    throw e;
  }
}

async function connectorCheck(ctx: CliContext, displayedUrl: string): Promise<Check> {
  // The displayed URL keeps scheme, host and port (only userinfo, query and fragment are
  // hidden): enough to ask the connector's origin for any HTTP answer, without a credential.
  const origin = new URL(displayedUrl.replace(/^ws/i, "http")).origin;
  try {
    const res = await safeRequest({
      url: new URL(`${origin}/`),
      method: "GET",
      allowInsecureHttp: true,
      timeoutMs: CONNECTOR_TIMEOUT_MS,
      maxBytes: 4096,
      peer: "the connector",
      fetch: ctx.fetch,
      signal: ctx.signal,
    });
    return check("connector", "ok", `connector ${origin} answers (HTTP ${res.status})`);
  } catch (e) {
    if (e instanceof CliError && e.code !== "cancelled") {
      return check(
        "connector",
        "fail",
        e.message,
        "check the network path and GATEWAY_RELAY_URL (`hermes gateway status`)",
      );
    }
    throw e;
  }
}

async function photonCheck(deps: DoctorDeps, ctx: CliContext): Promise<Check> {
  try {
    const { api, pstore } = await deps.photon();
    const token = await pstore.loadToken();
    if (token === undefined)
      return check(
        "photon-token",
        "skip",
        "no Photon login stored",
        "`hermes photon login` (only if you use Photon iMessage)",
      );
    const verdict = await api.checkToken(token, ctx.signal);
    return verdict === "ok"
      ? check("photon-token", "ok", `Photon token accepted by ${api.dashboardHost}`)
      : check(
          "photon-token",
          "fail",
          `Photon token rejected by ${api.dashboardHost}`,
          "`hermes photon login` to log in again",
        );
  } catch (e) {
    // An unreadable auth.json, or Photon unreachable: this check fails, the others still run.
    if (e instanceof CliError && e.code !== "cancelled")
      return check(
        "photon-token",
        "fail",
        e.message,
        e.hints[0] ?? "check the network path to Photon",
      );
    throw e;
  }
}

/**
 * The settings as `hermes-gateway run` resolves them at boot (@hermes/settings/gateway, the same
 * code): every refused relay value (as `gateway status` lists them), then the first refused
 * value of the rest (agent, ports, queue bounds, Photon…), each naming its key and source.
 */
async function gatewaySettingsCheck(
  ctx: CliContext,
  relay: RelayStatus,
  loaded: LoadedSettings,
): Promise<Check> {
  const problems = relay.configError === null ? [] : [relay.configError];
  let warnings: readonly string[] = [];
  try {
    warnings = resolveGatewaySettings(loaded.source, {
      hostname: await ctx.hostname(),
      env: ctx.env,
    }).warnings;
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    if (!problems.some((p) => p.includes(e.message))) problems.push(e.message);
  }
  if (problems.length > 0)
    return check(
      "gateway-settings",
      "fail",
      problems.join("; "),
      "fix the value named above (`hermes-gateway run --check` prints the whole configuration, `hermes gateway status` the relay's)",
    );
  if (warnings.length > 0)
    return check(
      "gateway-settings",
      "warn",
      warnings.join("; "),
      "fix what is named above (`hermes-gateway run` starts, but ignores it)",
    );
  return check(
    "gateway-settings",
    "ok",
    "gateway settings valid: `hermes-gateway run` would accept them (env, .env, config.yaml)",
  );
}

export async function doctorReport(
  ctx: CliContext,
  deps: DoctorDeps,
  opts: { fix?: boolean | undefined },
): Promise<DoctorReport> {
  const { store } = deps;
  const fix = opts.fix === true;
  const checks: Check[] = [
    nodeCheck(deps.nodeVersion ?? process.versions.node),
    await homeCheck(store.home),
  ];
  checks.push(
    await secretFileCheck("env-file", store.envPath, fix),
    await secretFileCheck("auth-file", store.authPath, fix),
  );
  checks.push(await authJsonCheck(store));

  const { status: relay, loaded } = await resolveStatus(ctx, store);
  checks.push(await gatewaySettingsCheck(ctx, relay, loaded));
  if (relay.relayUrl === null) {
    checks.push(
      check(
        "relay-credentials",
        "skip",
        "not enrolled with a relay connector",
        "`hermes gateway enroll` (only if you use the relay)",
      ),
    );
  } else {
    checks.push(
      !relay.secret.set
        ? check(
            "relay-credentials",
            "fail",
            "relay URL set but GATEWAY_RELAY_SECRET missing",
            "`hermes gateway enroll` with a fresh enrollment token",
          )
        : !relay.deliveryKey.set
          ? check(
              "relay-credentials",
              "warn",
              "GATEWAY_RELAY_DELIVERY_KEY missing: signed deliveries cannot be verified",
              "`hermes gateway enroll` writes it",
            )
          : check(
              "relay-credentials",
              "ok",
              `relay credentials for gateway ${relay.gatewayId.value} are set`,
            ),
    );
    checks.push(await connectorCheck(ctx, relay.relayUrl.value));
  }
  checks.push(await photonCheck(deps, ctx));
  return { ok: checks.every((c) => c.status !== "fail"), home: store.home, checks };
}

const MARK: Record<CheckStatus, string> = { ok: "✓", warn: "⚠", fail: "✗", skip: "–" };

export async function runDoctor(
  ctx: CliContext,
  deps: DoctorDeps,
  opts: JsonOption & { fix?: boolean | undefined },
): Promise<void> {
  const report = await doctorReport(ctx, deps, opts);
  printData(ctx, opts, report, (out, r) => {
    const paint = { ok: out.out.green, warn: out.out.yellow, fail: out.out.red, skip: out.out.dim };
    for (const c of r.checks) {
      out.line(`${paint[c.status](MARK[c.status])} ${c.message}`);
      if (c.fix !== undefined && c.status !== "ok") out.line(`    ${out.out.dim("fix:")} ${c.fix}`);
    }
  });
  if (!report.ok) {
    const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
    throw new CliError(
      "doctor-failed",
      `${failed.length} check${failed.length === 1 ? "" : "s"} failed: ${failed.join(", ")}`,
      {
        hints: ["Apply the fixes above, then run `hermes doctor` again."],
      },
    );
  }
}
