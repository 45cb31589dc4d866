// `hermes photon webhook register|list|delete` with the stored project credentials.
import type { CliContext } from "../context.js";
import { CliError, printable, UsageError } from "../errors.js";
import { confirmOrThrow } from "../ui/confirm.js";
import { Output } from "../ui/output.js";
import type { PhotonApi, PhotonStore, ProjectCredentials } from "./ports.js";
import { checkWebhookUrl } from "./setup.js";

async function projectCredentials(store: PhotonStore): Promise<ProjectCredentials> {
  const p = await store.loadProject();
  if (!p.projectId || !p.projectSecret) {
    throw new CliError("photon-no-project", "No Photon project credentials stored.", {
      hints: [
        "Run `hermes photon setup` first (or set PHOTON_PROJECT_ID and PHOTON_PROJECT_SECRET).",
      ],
    });
  }
  return { projectId: p.projectId, projectSecret: p.projectSecret };
}

export async function webhookRegister(
  ctx: CliContext,
  api: PhotonApi,
  store: PhotonStore,
  rawUrl: string,
  opts: { json?: boolean },
): Promise<void> {
  const url = checkWebhookUrl(rawUrl);
  const creds = await projectCredentials(store);
  const hadSecret = await store.webhookSecretSet();
  const hook = await api.registerWebhook(creds, url, ctx.signal);
  await store.saveWebhookSecret(hook.signingSecret);
  const out = new Output(ctx);
  if (hadSecret) {
    out.warn(
      "PHOTON_WEBHOOK_SECRET held another webhook's signing secret; it now holds this one's (deliveries signed for the other webhook will no longer verify).",
    );
  }
  if (opts.json) {
    out.json({
      id: hook.id,
      webhookUrl: hook.webhookUrl,
      signingSecret: "<hidden>",
      savedTo: store.envPath,
    });
    return;
  }
  out.success(`Registered webhook ${hook.webhookUrl}`);
  out.line(`  id: ${hook.id}`);
  out.line(`  PHOTON_WEBHOOK_SECRET=<hidden> written to ${store.envPath}`);
  out.line("  (Photon shows the signing secret only once: keep that file safe)");
}

export async function webhookList(
  ctx: CliContext,
  api: PhotonApi,
  store: PhotonStore,
  opts: { json?: boolean },
): Promise<void> {
  const creds = await projectCredentials(store);
  const hooks = await api.listWebhooks(creds, ctx.signal);
  const out = new Output(ctx);
  if (opts.json) {
    out.json(
      hooks.map((h) => ({ id: h.id, webhookUrl: h.webhookUrl, createdAt: h.createdAt ?? null })),
    );
    return;
  }
  if (hooks.length === 0) {
    out.line("No webhooks registered. Add one with `hermes photon webhook register <url>`.");
    return;
  }
  for (const h of hooks)
    out.line(`${h.id}  ${h.webhookUrl}${h.createdAt ? `  ${out.out.dim(h.createdAt)}` : ""}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WebhookDeleteOptions {
  yes?: boolean;
  json?: boolean;
}

/**
 * `webhook delete <id | url>`: a registered URL is looked up to its id; an id must be a UUID
 * (Photon's ids are). Anything else is an error (exit 1) naming what was given, never a silent
 * "already gone". Asks before deleting (`--yes` in scripts; no terminal and no --yes: error).
 */
export async function webhookDelete(
  ctx: CliContext,
  api: PhotonApi,
  store: PhotonStore,
  target: string,
  opts: WebhookDeleteOptions = {},
): Promise<void> {
  const out = new Output(ctx);
  const given = target.trim();
  const isUrl = /^https?:\/\//i.test(given);
  if (!isUrl && !UUID.test(given)) {
    throw new UsageError(`Not a webhook id or URL: ${JSON.stringify(printable(given, 80))}.`, [
      "Pass the id (a UUID) or the registered URL, as `hermes photon webhook list` shows them.",
    ]);
  }
  const creds = await projectCredentials(store);
  const hooks = await api.listWebhooks(creds, ctx.signal);
  const url = isUrl ? checkWebhookUrl(given) : undefined;
  const hook = isUrl
    ? hooks.find((h) => h.webhookUrl === url || h.webhookUrl === given)
    : hooks.find((h) => h.id.toLowerCase() === given.toLowerCase());
  if (!hook) {
    if (isUrl) {
      throw new CliError(
        "photon-webhook-unknown",
        `No webhook is registered for ${printable(given, 200)}; nothing was deleted.`,
        {
          hints: ["See `hermes photon webhook list` for the registered URLs."],
        },
      );
    }
    if (opts.json)
      out.json({ deleted: false, id: given, webhookUrl: null, reason: "not registered" });
    else out.success(`Webhook ${given} is not registered (already gone); nothing to delete.`);
    return;
  }
  await confirmOrThrow(
    ctx,
    `Delete webhook ${hook.webhookUrl} (${hook.id})? Photon stops delivering to it.`,
    opts.yes === true,
    {
      flag: "--yes",
      unchanged: "Nothing was deleted.",
    },
  );
  const result = await api.deleteWebhook(creds, hook.id, ctx.signal);
  if (opts.json) {
    out.json({ deleted: result === "deleted", id: hook.id, webhookUrl: hook.webhookUrl });
    return;
  }
  out.success(
    result === "deleted"
      ? `Deleted webhook ${hook.webhookUrl} (${hook.id})`
      : `Webhook ${hook.id} was already gone`,
  );
}
