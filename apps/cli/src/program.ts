// The command tree. `run()` never throws and never calls process.exit: it returns the exit
// status (0 ok, 1 failure, 2 usage, 130 interrupted) so it can run in-process under test.
import { Command, CommanderError } from "commander";
import type { CliContext } from "./context.js";
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./errors.js";
import type { HomeStore } from "./store.js";
import { colorsFor } from "./ui/colors.js";
import { Output } from "./ui/output.js";

type Action = () => Promise<void>;

function buildProgram(ctx: CliContext, setAction: (a: Action) => void): Command {
  const errColors = colorsFor(ctx.stderr, ctx.env);
  const program = new Command("hermes");
  program
    .description("Enroll a Hermes gateway with a relay connector and set up Photon iMessage.")
    .version(ctx.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .helpCommand(false)
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (s, write) => write(`${errColors.red("✗")} ${s.replace(/^error: /, "")}`),
    })
    .showHelpAfterError("  (add --help for usage)")
    .exitOverride();

  // Loaded on demand: fs/promises is not needed for --help / --version (start-up time).
  const store = async (): Promise<HomeStore> => (await import("./store.js")).createHomeStore(ctx.env, await ctx.homedir());

  const gateway = program.command("gateway").description("relay gateway: enroll with a connector, show the relay configuration");
  gateway
    .command("enroll")
    .description("redeem an enrollment token at the connector and store the gateway credentials in $HERMES_HOME/.env")
    .option("--token <token>", "single-use enrollment token (else GATEWAY_RELAY_ENROLL_TOKEN)")
    .option("--connector-url <url>", "connector URL, ws(s):// or http(s):// (else GATEWAY_RELAY_URL, then gateway.relay_url)")
    .option("--gateway-id <id>", "this gateway instance's id (default gw-<hostname>)")
    .option("--wake-url <url>", "URL the connector may GET to wake this gateway (stored as GATEWAY_RELAY_WAKE_URL)")
    .option("--identity-token <token>", "caller identity bearer (else GATEWAY_RELAY_IDENTITY_TOKEN, IdP, Nous login)")
    .option("--allow-insecure-http", "allow sending credentials over plain http:// to a non-loopback host")
    .option("--platform <name>", "a platform the relay fronts, e.g. discord (repeatable; stored as GATEWAY_RELAY_PLATFORMS)", (v: string, p: string[] = []) => [...p, v])
    .option("--force", "replace an existing enrollment without asking")
    .option("--json", "print the result as JSON")
    .action((opts) =>
      setAction(async () => {
        const { enrollGateway } = await import("./gateway/enroll.js");
        await enrollGateway(ctx, await store(), opts);
      }),
    );
  gateway
    .command("unenroll")
    .description("remove from $HERMES_HOME/.env exactly what `gateway enroll` wrote")
    .option("--yes", "do not ask for confirmation")
    .option("--json", "print the result as JSON")
    .action((opts) =>
      setAction(async () => {
        const { unenrollGateway } = await import("./gateway/unenroll.js");
        await unenrollGateway(ctx, await store(), opts);
      }),
    );
  gateway
    .command("status")
    .description("show the resolved relay configuration and where each value comes from")
    .option("--check", "also dial the connector and handshake, like `hermes-gateway run --check --connect`")
    .option("--timeout <ms>", "with --check: give up after this long (default 15000)")
    .option("--json", "print as JSON")
    .action((opts) =>
      setAction(async () => {
        const { gatewayStatus } = await import("./gateway/status.js");
        await gatewayStatus(ctx, await store(), opts);
      }),
    );

  const photon = program.command("photon").description("Photon iMessage: log in, set up a project, manage webhooks");
  const photonDeps = async () => {
    const [{ photonApi }, { photonStore }] = await Promise.all([import("./photon/api-binding.js"), import("./photon/store-binding.js")]);
    return { api: photonApi(ctx), pstore: photonStore(ctx, await store()) };
  };
  photon
    .command("login")
    .description("log in to the Photon dashboard with the device flow and store the token")
    .option("--no-browser", "do not open a browser; just print the URL and code")
    .action((opts: { browser?: boolean }) =>
      setAction(async () => {
        const [{ deviceLogin }, { api, pstore }] = await Promise.all([import("./photon/login.js"), photonDeps()]);
        await deviceLogin(ctx, api, pstore, opts);
      }),
    );
  photon
    .command("logout")
    .description("forget the Photon dashboard login (project credentials and the webhook secret stay)")
    .option("--json", "print the result as JSON")
    .action((opts) =>
      setAction(async () => {
        const [{ photonLogout }, { pstore }] = await Promise.all([import("./photon/login.js"), photonDeps()]);
        await photonLogout(ctx, pstore, opts);
      }),
    );
  photon
    .command("setup")
    .description("log in if needed, reuse or create a project, register the user (and a webhook), show the status")
    .option("--project-name <name>", "project to reuse or create (default \"hermes\")")
    .option("--phone <number>", "your phone number with its country code, e.g. +1 555 123 4567 (re-runs: the registered user)")
    .option("--first-name <name>", "first name for the Photon user")
    .option("--last-name <name>", "last name for the Photon user")
    .option("--email <email>", "email for the Photon user")
    .option("--webhook-url <url>", "register this webhook URL and store its signing secret")
    .option("--no-browser", "do not open a browser during login")
    .action((opts) =>
      setAction(async () => {
        const [{ photonSetup }, { api, pstore }] = await Promise.all([import("./photon/setup.js"), photonDeps()]);
        await photonSetup(ctx, api, pstore, opts);
      }),
    );
  photon
    .command("status")
    .description("show which Photon credentials are stored (never their values)")
    .option("--check", "also ask Photon whether the stored token and project credentials are accepted")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean; check?: boolean }) =>
      setAction(async () => {
        const [{ photonStatus }, { photonStore }] = await Promise.all([import("./photon/status.js"), import("./photon/store-binding.js")]);
        const api = opts.check ? (await photonDeps()).api : undefined;
        await photonStatus(ctx, photonStore(ctx, await store()), opts, api);
      }),
    );
  const webhook = photon.command("webhook").description("manage the project's webhooks");
  webhook
    .command("register")
    .argument("<url>", "webhook URL")
    .description("register a webhook URL and store its signing secret in .env (PHOTON_WEBHOOK_SECRET)")
    .option("--json", "print as JSON")
    .action((url: string, opts) =>
      setAction(async () => {
        const [{ webhookRegister }, { api, pstore }] = await Promise.all([import("./photon/webhook.js"), photonDeps()]);
        await webhookRegister(ctx, api, pstore, url, opts);
      }),
    );
  webhook
    .command("list")
    .description("list registered webhooks")
    .option("--json", "print as JSON")
    .action((opts) =>
      setAction(async () => {
        const [{ webhookList }, { api, pstore }] = await Promise.all([import("./photon/webhook.js"), photonDeps()]);
        await webhookList(ctx, api, pstore, opts);
      }),
    );
  webhook
    .command("delete")
    .argument("<id-or-url>", "webhook id or registered URL (see `hermes photon webhook list`)")
    .description("delete a webhook (asks first; --yes in scripts)")
    .option("--yes", "do not ask for confirmation")
    .option("--json", "print the result as JSON")
    .action((id: string, opts: { yes?: boolean; json?: boolean }) =>
      setAction(async () => {
        const [{ webhookDelete }, { api, pstore }] = await Promise.all([import("./photon/webhook.js"), photonDeps()]);
        await webhookDelete(ctx, api, pstore, id, opts);
      }),
    );
  return program;
}

export async function run(argv: readonly string[], ctx: CliContext): Promise<number> {
  let action: Action | undefined;
  const program = buildProgram(ctx, (a) => {
    action = a;
  });
  const out = new Output(ctx);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return EXIT_OK;
      return EXIT_USAGE;
    }
    out.error(new CliError("internal", `Unexpected error: ${(err as Error).message}`));
    return EXIT_FAILURE;
  }
  if (!action) return EXIT_OK;
  try {
    await action();
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CliError) {
      out.error(err);
      return err.exitCode;
    }
    out.error(new CliError("internal", `Unexpected error: ${(err as Error)?.message ?? String(err)}`, { hints: ["Please report this."] }));
    return EXIT_FAILURE;
  }
}
