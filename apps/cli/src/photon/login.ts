// The device-flow login as the user sees it: the code in a box, a QR code and a browser on a
// terminal, a spinner while waiting, a clean stop on Ctrl-C; and logout. A browser is only
// started when stdout is a terminal (a script or a pipe never gets one) and not --no-browser.
import type { CliContext } from "../context.js";
import { CancelledError } from "../errors.js";
import { box } from "../ui/box.js";
import { Output } from "../ui/output.js";
import { startProgress } from "../ui/spinner.js";
import type { DashboardLogin, PhotonApi, PhotonStore } from "./ports.js";

export interface LoginOptions {
  /** commander's --no-browser sets browser: false. */
  browser?: boolean;
}

export async function deviceLogin(
  ctx: CliContext,
  api: PhotonApi,
  store: PhotonStore,
  opts: LoginOptions,
): Promise<void> {
  const out = new Output(ctx);
  const pending = await api.startLogin(ctx.signal);
  const target = pending.verificationUriComplete ?? pending.verificationUri;
  const c = out.err;
  // Instructions go to stderr: stdout stays for results.
  ctx.stderr.write(
    `${box([
      c.bold("Log in to Photon"),
      "",
      `Open:  ${c.cyan(pending.verificationUri)}`,
      `Code:  ${c.bold(pending.userCode)}`,
      "",
      `The code expires in ${Math.max(1, Math.round(pending.expiresIn / 60))} min.`,
    ])}\n`,
  );
  if (ctx.stderr.isTTY)
    ctx.stderr.write(
      `\nOr scan this with your phone:\n${(await import("../ui/qr.js")).terminalQr(target)}\n`,
    );
  if (opts.browser !== false && ctx.stdout.isTTY) {
    const opened = await ctx.openBrowser(target);
    ctx.stderr.write(
      opened
        ? "Opened your browser.\n"
        : "Could not open a browser; open the link above yourself.\n",
    );
  }
  const progress = startProgress(ctx, "Waiting for you to approve the login… (Ctrl-C to cancel)");
  let login: DashboardLogin;
  try {
    login = await pending.complete({ signal: ctx.signal });
  } catch (err) {
    progress.stop();
    if (ctx.signal.aborted) throw new CancelledError("Login cancelled; nothing was stored.");
    throw err;
  }
  await store.saveToken(login.token);
  progress.succeed(
    `Logged in to Photon${login.account ? ` as ${login.account}` : ""}; token stored in ${store.authPath}`,
  );
}

/** `hermes photon logout`: forget the dashboard token; project credentials and the webhook secret stay. */
export async function photonLogout(
  ctx: CliContext,
  store: PhotonStore,
  opts: { json?: boolean },
): Promise<void> {
  const out = new Output(ctx);
  const had = (await store.loadToken()) !== undefined;
  if (had) await store.clearToken();
  if (opts.json) {
    out.json({ loggedOut: had, authPath: store.authPath });
    return;
  }
  out.success(
    had
      ? `Logged out of Photon: the dashboard token was removed from ${store.authPath}`
      : "Not logged in to Photon; nothing to remove.",
  );
  if (had)
    out.line(
      "  The project credentials and PHOTON_WEBHOOK_SECRET stay: the gateway keeps working.",
    );
}
