// The device-flow login as the user sees it: the code in a box, a QR code and a browser on a
// terminal, a spinner while waiting, a clean stop on Ctrl-C.
import type { CliContext } from "../context.js";
import { CancelledError, CliError } from "../errors.js";
import { box } from "../ui/box.js";
import { Output } from "../ui/output.js";
import { startProgress } from "../ui/spinner.js";
import type { PhotonApi, PhotonStore } from "./ports.js";

export interface LoginOptions {
  /** commander's --no-browser sets browser: false. */
  browser?: boolean;
}

export async function deviceLogin(ctx: CliContext, api: PhotonApi, store: PhotonStore, opts: LoginOptions): Promise<void> {
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
  if (ctx.stderr.isTTY) ctx.stderr.write(`\nOr scan this with your phone:\n${(await import("../ui/qr.js")).terminalQr(target)}\n`);
  if (opts.browser !== false) {
    const opened = await ctx.openBrowser(target);
    ctx.stderr.write(opened ? "Opened your browser.\n" : "Could not open a browser; open the link above yourself.\n");
  }
  const progress = startProgress(ctx, "Waiting for you to approve the login… (Ctrl-C to cancel)");
  let token: string;
  try {
    token = await pending.complete({ signal: ctx.signal });
  } catch (err) {
    progress.stop();
    if (ctx.signal.aborted) throw new CancelledError("Login cancelled; nothing was stored.");
    throw err;
  }
  await store.saveToken(token);
  progress.succeed(`Logged in to Photon; token stored in ${store.authPath}`);
}

export function loginFailed(err: unknown): CliError {
  if (err instanceof CliError) return err;
  return new CliError("photon-login", `Photon login failed: ${(err as Error).message}`, { hints: ["Run `hermes photon login` again."] });
}
