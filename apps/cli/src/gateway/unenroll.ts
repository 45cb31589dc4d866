// `hermes gateway unenroll`: remove from $HERMES_HOME/.env exactly the keys `hermes gateway
// enroll` recorded writing (GATEWAY_RELAY_ENROLLED_KEYS), and that record. Every other line
// of .env, and auth.json, stay byte for byte. Without a record (an enrollment made by hand or
// by an older CLI) only the credentials are removed. The connector is not told: revoking the
// gateway there is the operator's step.
import type { CliContext } from "../context.js";
import { CliError, printable } from "../errors.js";
import type { HomeStore } from "../store.js";
import { confirmOrThrow } from "../ui/confirm.js";
import { Output } from "../ui/output.js";
import { CREDENTIAL_KEYS, ENROLLED_KEYS, recordedKeys } from "./enrollment-keys.js";

export interface UnenrollOptions {
  yes?: boolean;
  json?: boolean;
}

export async function unenrollGateway(
  ctx: CliContext,
  store: HomeStore,
  opts: UnenrollOptions,
): Promise<void> {
  const out = new Output(ctx);
  const managed = await store.managed();
  if (managed.managed) {
    throw new CliError(
      "managed",
      "`hermes gateway unenroll` is not available in a managed/hosted install.",
      {
        hints: [`The relay gateway secret is managed by the hosting platform (${managed.reason}).`],
      },
    );
  }
  const dotenv = await store.readEnvFile();
  const recorded = recordedKeys(dotenv);
  const keys = [...(recorded ?? CREDENTIAL_KEYS), ENROLLED_KEYS].filter((k) => dotenv.has(k));
  if (keys.length === 0) {
    if (opts.json) out.json({ unenrolled: false, removed: [], envPath: store.envPath });
    else out.success(`Not enrolled: ${store.envPath} holds no enrollment; nothing to remove.`);
    return;
  }
  const id = dotenv.get("GATEWAY_RELAY_ID");
  await confirmOrThrow(
    ctx,
    `Remove the enrollment${id ? ` of gateway "${printable(id, 128)}"` : ""} (${keys.filter((k) => k !== ENROLLED_KEYS).join(", ")}) from ${store.envPath}?`,
    opts.yes === true,
    {
      flag: "--yes",
      unchanged: "Nothing was changed.",
    },
  );
  const removed = await store.unsetEnvValues(keys);
  const shadowing = removed.filter((k) => k !== ENROLLED_KEYS && ctx.env[k]?.trim());
  for (const k of shadowing) out.warn(`${k} is still set in your environment; unset it too.`);
  if (opts.json) {
    out.json({ unenrolled: true, removed, envPath: store.envPath, recorded: recorded !== null });
    return;
  }
  out.success(
    `Removed the enrollment from ${store.envPath}: ${removed.filter((k) => k !== ENROLLED_KEYS).join(", ")}`,
  );
  if (recorded === null)
    out.line(
      "  (no record of what enroll wrote: only the credentials were removed; GATEWAY_RELAY_URL and the rest stay)",
    );
  out.line(
    "  The connector still knows this gateway: ask its operator to revoke it if it should not come back.",
  );
}
