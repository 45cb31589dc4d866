import type { CliContext } from "../context.js";
import { Output } from "../ui/output.js";
import type { PhotonStore, PhotonSummary } from "./ports.js";

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

export async function photonStatus(ctx: CliContext, store: PhotonStore, opts: { json?: boolean }): Promise<void> {
  const out = new Output(ctx);
  const s = await photonSummary(store);
  if (opts.json) {
    const project = await store.loadProject();
    out.json({
      deviceToken: s.device_token.startsWith("✓"),
      projectId: project.projectId ?? null,
      projectKey: s.project_key.startsWith("✓"),
      webhookKey: s.webhook_key.startsWith("✓"),
      summary: s,
    });
    return;
  }
  printSummary(out, s);
}
