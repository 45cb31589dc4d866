import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { Output } from "../ui/output.js";
import type { PhotonApi, PhotonStore, PhotonSummary } from "./ports.js";

/** docs/contract/photon.md#status-display: display literals only; the project id is the only value shown. */
export async function photonSummary(store: PhotonStore): Promise<PhotonSummary> {
  const token = await store.loadToken();
  const project = await store.loadProject();
  return {
    device_token: token ? "✓ stored" : "✗ missing (run `hermes photon setup`)",
    project_id: project.projectId ? project.projectId : "✗ missing",
    project_key: project.projectSecret ? "✓ stored" : "✗ missing",
    webhook_key: (await store.webhookSecretSet()) ? "✓ set" : "⚠ unset — verification disabled",
  };
}

export function printSummary(out: Output, s: PhotonSummary): void {
  out.line(
    [
      "Photon iMessage status",
      "──────────────────────",
      ` device token : ${s.device_token}`,
      ` project id   : ${s.project_id}`,
      ` project key  : ${s.project_key}`,
      ` webhook key  : ${s.webhook_key}`,
    ].join("\n"),
  );
}

/** What `status --check` learned from Photon itself. */
export interface PhotonRemoteCheck {
  /** "valid" (with the account when named), "rejected", or "missing" (no token stored). */
  token: { state: "valid" | "rejected" | "missing"; account: string | null };
  /** "valid", "rejected", or "missing" (no project credentials). */
  project: { state: "valid" | "rejected" | "missing" };
}

async function remoteCheck(
  ctx: CliContext,
  api: PhotonApi,
  store: PhotonStore,
): Promise<PhotonRemoteCheck> {
  const token = await store.loadToken();
  const who = token === undefined ? undefined : await api.whoAmI(token, ctx.signal);
  const project = await store.loadProject();
  const creds =
    project.projectId && project.projectSecret
      ? { projectId: project.projectId, projectSecret: project.projectSecret }
      : null;
  const works = creds === null ? null : await api.credentialsWork(creds, ctx.signal);
  return {
    token: {
      state: who === undefined ? "missing" : who === null ? "rejected" : "valid",
      account: who?.account ?? null,
    },
    project: { state: works === null ? "missing" : works ? "valid" : "rejected" },
  };
}

export async function photonStatus(
  ctx: CliContext,
  store: PhotonStore,
  opts: { json?: boolean; check?: boolean },
  api?: PhotonApi,
): Promise<void> {
  const out = new Output(ctx);
  const s = await photonSummary(store);
  const check = opts.check && api ? await remoteCheck(ctx, api, store) : null;
  if (opts.json) {
    const project = await store.loadProject();
    out.json({
      deviceToken: s.device_token.startsWith("✓"),
      projectId: project.projectId ?? null,
      projectKey: s.project_key.startsWith("✓"),
      webhookKey: s.webhook_key.startsWith("✓"),
      summary: s,
      ...(check ? { check } : {}),
    });
  } else {
    printSummary(out, s);
    if (check) {
      const c = out.out;
      const token = check.token;
      out.line();
      out.line(`Checked with Photon (${api?.dashboardHost}, ${api?.spectrumHost}):`);
      out.line(
        ` device token : ${token.state === "valid" ? c.green(`✓ valid${token.account ? ` (${token.account})` : ""}`) : token.state === "rejected" ? c.red("✗ rejected (expired or revoked)") : c.red("✗ none stored")}`,
      );
      out.line(
        ` project      : ${check.project.state === "valid" ? c.green("✓ credentials accepted") : check.project.state === "rejected" ? c.red("✗ credentials rejected") : c.red("✗ none stored")}`,
      );
    }
  }
  if (check && (check.token.state !== "valid" || check.project.state !== "valid")) {
    throw new CliError(
      "photon-check-failed",
      "Photon does not accept the stored credentials (see above).",
      {
        hints: ["Run `hermes photon setup` to log in again and repair the project credentials."],
      },
    );
  }
}
