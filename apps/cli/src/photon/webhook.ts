// `hermes photon webhook register|list|delete` with the stored project credentials.
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { Output } from "../ui/output.js";
import type { PhotonApi, PhotonStore, ProjectCredentials } from "./ports.js";
import { checkWebhookUrl } from "./setup.js";

async function projectCredentials(store: PhotonStore): Promise<ProjectCredentials> {
  const p = await store.loadProject();
  if (!p.projectId || !p.projectSecret) {
    throw new CliError("photon-no-project", "No Photon project credentials stored.", {
      hints: ["Run `hermes photon setup` first (or set PHOTON_PROJECT_ID and PHOTON_PROJECT_SECRET)."],
    });
  }
  return { projectId: p.projectId, projectSecret: p.projectSecret };
}

export async function webhookRegister(ctx: CliContext, api: PhotonApi, store: PhotonStore, rawUrl: string, opts: { json?: boolean }): Promise<void> {
  const url = checkWebhookUrl(rawUrl);
  const creds = await projectCredentials(store);
  const hadSecret = await store.webhookSecretSet();
  const hook = await api.registerWebhook(creds, url, ctx.signal);
  await store.saveWebhookSecret(hook.signingSecret);
  const out = new Output(ctx);
  if (hadSecret) {
    out.warn("PHOTON_WEBHOOK_SECRET held another webhook's signing secret; it now holds this one's (deliveries signed for the other webhook will no longer verify).");
  }
  if (opts.json) {
    out.json({ id: hook.id, webhookUrl: hook.webhookUrl, signingSecret: "<hidden>", savedTo: store.envPath });
    return;
  }
  out.success(`Registered webhook ${hook.webhookUrl}`);
  out.line(`  id: ${hook.id}`);
  out.line(`  PHOTON_WEBHOOK_SECRET=<hidden> written to ${store.envPath}`);
  out.line("  (Photon shows the signing secret only once: keep that file safe)");
}

export async function webhookList(ctx: CliContext, api: PhotonApi, store: PhotonStore, opts: { json?: boolean }): Promise<void> {
  const creds = await projectCredentials(store);
  const hooks = await api.listWebhooks(creds, ctx.signal);
  const out = new Output(ctx);
  if (opts.json) {
    out.json(hooks.map((h) => ({ id: h.id, webhookUrl: h.webhookUrl, createdAt: h.createdAt ?? null })));
    return;
  }
  if (hooks.length === 0) {
    out.line("No webhooks registered. Add one with `hermes photon webhook register <url>`.");
    return;
  }
  for (const h of hooks) out.line(`${h.id}  ${h.webhookUrl}${h.createdAt ? `  ${out.out.dim(h.createdAt)}` : ""}`);
}

export async function webhookDelete(ctx: CliContext, api: PhotonApi, store: PhotonStore, id: string): Promise<void> {
  const creds = await projectCredentials(store);
  const result = await api.deleteWebhook(creds, id, ctx.signal);
  const out = new Output(ctx);
  out.success(result === "deleted" ? `Deleted webhook ${id}` : `Webhook ${id} was already gone`);
}
