// The command tree. `run()` never throws and never calls process.exit: it returns the exit
// status (0 ok, 1 failure, 2 usage, 130 interrupted) so it can run in-process under test.
// Command bodies are imported on demand (start-up time: bench/cli-startup.mjs).
import { COMPLETION_SHELLS, suggestValues } from "@hermes/cli-completion/shells";
import { Argument, Command, CommanderError, Option } from "commander";
import type { CliContext } from "./context.js";
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./errors.js";
import type { PhotonApi, PhotonStore } from "./photon/ports.js";
import type { HomeStore } from "./store.js";
import { JSON_OPTION_HELP, Output } from "./ui/output.js";

type Action = () => Promise<void>;

/** What the command registrations share. */
export interface CommandDeps {
  readonly ctx: CliContext;
  /**
   * Wraps a command body: parsing only records it, `run()` awaits it afterwards (so parse
   * errors and action errors are reported in one place). The body imports what it needs.
   */
  lazyAction<A extends unknown[]>(body: (...args: A) => Promise<void>): (...args: A) => void;
  /** The HERMES_HOME store (fs/promises is loaded only by the commands that need it). */
  store(): Promise<HomeStore>;
  /** The Photon API client and the Photon view of the store. */
  photon(): Promise<{ api: PhotonApi; pstore: PhotonStore }>;
}

/**
 * What shell completion offers after `gateway enroll --platform`: the platforms of the relay
 * contract's reference descriptors. Not enforced: a connector may front any platform.
 */
const RELAY_PLATFORM_SUGGESTIONS = ["discord", "slack", "telegram"];

/** `--json` with the same description on every command that prints data. */
export function withJsonOption(command: Command): Command {
  return command.option("--json", JSON_OPTION_HELP);
}

function createRoot(ctx: CliContext): Command {
  return (
    new Command("hermes")
      .description("Enroll a Hermes gateway with a relay connector and set up Photon iMessage.")
      .version(ctx.version, "-V, --version", "print the version")
      .helpOption("-h, --help", "show help")
      // Shown in the listing; `hermes help a b` is rewritten to `hermes a b --help` by run().
      .helpCommand("help [command...]", "show help for a command")
      .configureOutput({
        writeOut: (s) => ctx.stdout.write(s),
        writeErr: (s) => ctx.stderr.write(s),
        // Asked of ctx's streams, not process.stdout (which commander would create for it).
        getOutHelpWidth: () => ctx.stdout.columns ?? 80,
        getErrHelpWidth: () => ctx.stderr.columns ?? 80,
        getOutHasColors: () => false,
        getErrHasColors: () => false,
        // Parse errors are printed by run(), in the same style as every other error.
        outputError: () => undefined,
      })
  );
}

function addGatewayCommands(program: Command, deps: CommandDeps, populate: boolean): void {
  const { ctx, lazyAction, store } = deps;
  const gateway = program
    .command("gateway")
    .description("relay gateway: enroll with a connector, show the relay configuration");
  if (!populate) return;
  withJsonOption(
    gateway
      .command("enroll")
      .description(
        "redeem an enrollment token at the connector and store the gateway credentials in $HERMES_HOME/.env",
      )
      .option("--token <token>", "single-use enrollment token (else GATEWAY_RELAY_ENROLL_TOKEN)")
      .option(
        "--connector-url <url>",
        "connector URL, ws(s):// or http(s):// (else GATEWAY_RELAY_URL, then gateway.relay_url)",
      )
      .option("--gateway-id <id>", "this gateway instance's id (default gw-<hostname>)")
      .option(
        "--wake-url <url>",
        "URL the connector may GET to wake this gateway (stored as GATEWAY_RELAY_WAKE_URL)",
      )
      .option(
        "--identity-token <token>",
        "caller identity bearer (else GATEWAY_RELAY_IDENTITY_TOKEN, IdP, Nous login)",
      )
      .option(
        "--allow-insecure-http",
        "allow sending credentials over plain http:// to a non-loopback host",
      )
      .addOption(
        suggestValues(
          new Option(
            "--platform <name>",
            "a platform the relay fronts, e.g. discord (repeatable; stored as GATEWAY_RELAY_PLATFORMS)",
          ).argParser((v: string, p: string[] = []) => [...p, v]),
          RELAY_PLATFORM_SUGGESTIONS,
        ),
      )
      .option("--force", "replace an existing enrollment without asking"),
  ).action(
    lazyAction(async (opts) => {
      const { enrollGateway } = await import("./gateway/enroll.js");
      await enrollGateway(ctx, await store(), opts);
    }),
  );
  withJsonOption(
    gateway
      .command("unenroll")
      .description("remove from $HERMES_HOME/.env exactly what `gateway enroll` wrote")
      .option("--yes", "do not ask for confirmation"),
  ).action(
    lazyAction(async (opts) => {
      const { unenrollGateway } = await import("./gateway/unenroll.js");
      await unenrollGateway(ctx, await store(), opts);
    }),
  );
  withJsonOption(
    gateway
      .command("status")
      .description("show the resolved relay configuration and where each value comes from")
      .option(
        "--check",
        "also dial the connector and handshake, like `hermes-gateway run --check --connect`",
      )
      .option("--timeout <ms>", "with --check: give up after this long (default 15000)"),
  ).action(
    lazyAction(async (opts) => {
      const { gatewayStatus } = await import("./gateway/status.js");
      await gatewayStatus(ctx, await store(), opts, () => import("./gateway/status-check.js"));
    }),
  );
}

function addPhotonCommands(program: Command, deps: CommandDeps, populate: boolean): void {
  const { ctx, lazyAction, store, photon: photonDeps } = deps;
  const photon = program
    .command("photon")
    .description("Photon iMessage: log in, set up a project, manage webhooks");
  if (!populate) return;
  photon
    .command("login")
    .description("log in to the Photon dashboard with the device flow and store the token")
    .option("--no-browser", "do not open a browser; just print the URL and code")
    .action(
      lazyAction(async (opts: { browser?: boolean }) => {
        const [{ deviceLogin }, { api, pstore }] = await Promise.all([
          import("./photon/login.js"),
          photonDeps(),
        ]);
        await deviceLogin(ctx, api, pstore, opts);
      }),
    );
  withJsonOption(
    photon
      .command("logout")
      .description(
        "forget the Photon dashboard login (project credentials and the webhook secret stay)",
      ),
  ).action(
    lazyAction(async (opts) => {
      const [{ photonLogout }, { pstore }] = await Promise.all([
        import("./photon/login.js"),
        photonDeps(),
      ]);
      await photonLogout(ctx, pstore, opts);
    }),
  );
  photon
    .command("setup")
    .description(
      "log in if needed, reuse or create a project, register the user (and a webhook), show the status",
    )
    .option("--project-name <name>", 'project to reuse or create (default "hermes")')
    .option(
      "--phone <number>",
      "your phone number with its country code, e.g. +1 555 123 4567 (re-runs: the registered user)",
    )
    .option("--first-name <name>", "first name for the Photon user")
    .option("--last-name <name>", "last name for the Photon user")
    .option("--email <email>", "email for the Photon user")
    .option("--webhook-url <url>", "register this webhook URL and store its signing secret")
    .option("--no-browser", "do not open a browser during login")
    .option(
      "--no-check",
      "skip checking that iMessage can connect (token + a short subscribe, as the gateway does)",
    )
    .action(
      lazyAction(async (opts) => {
        const [{ photonSetup }, { api, pstore }] = await Promise.all([
          import("./photon/setup.js"),
          photonDeps(),
        ]);
        await photonSetup(ctx, api, pstore, opts);
      }),
    );
  withJsonOption(
    photon
      .command("status")
      .description("show which Photon credentials are stored (never their values)")
      .option(
        "--check",
        "also ask Photon whether the stored token and project credentials are accepted",
      ),
  ).action(
    lazyAction(async (opts: { json?: boolean; check?: boolean }) => {
      const [{ photonStatus }, { photonStore }] = await Promise.all([
        import("./photon/status.js"),
        import("./home/home.js"),
      ]);
      const api = opts.check ? (await photonDeps()).api : undefined;
      await photonStatus(ctx, photonStore(ctx, await store()), opts, api);
    }),
  );
  const webhook = photon.command("webhook").description("manage the project's webhooks");
  withJsonOption(
    webhook
      .command("register")
      .argument("<url>", "webhook URL")
      .description(
        "register a webhook URL and store its signing secret in .env (PHOTON_WEBHOOK_SECRET)",
      ),
  ).action(
    lazyAction(async (url: string, opts) => {
      const [{ webhookRegister }, { api, pstore }] = await Promise.all([
        import("./photon/webhook.js"),
        photonDeps(),
      ]);
      await webhookRegister(ctx, api, pstore, url, opts);
    }),
  );
  withJsonOption(webhook.command("list").description("list registered webhooks")).action(
    lazyAction(async (opts) => {
      const [{ webhookList }, { api, pstore }] = await Promise.all([
        import("./photon/webhook.js"),
        photonDeps(),
      ]);
      await webhookList(ctx, api, pstore, opts);
    }),
  );
  withJsonOption(
    webhook
      .command("delete")
      .argument("<id-or-url>", "webhook id or registered URL (see `hermes photon webhook list`)")
      .description("delete a webhook (asks first; --yes in scripts)")
      .option("--yes", "do not ask for confirmation"),
  ).action(
    lazyAction(async (id: string, opts: { yes?: boolean; json?: boolean }) => {
      const [{ webhookDelete }, { api, pstore }] = await Promise.all([
        import("./photon/webhook.js"),
        photonDeps(),
      ]);
      await webhookDelete(ctx, api, pstore, id, opts);
    }),
  );
}

function addDoctorCommand(program: Command, deps: CommandDeps): void {
  const { ctx, lazyAction, store, photon } = deps;
  withJsonOption(
    program
      .command("doctor")
      .description(
        "check Node, HERMES_HOME permissions, credentials, the connector, the Photon login and the gateway settings",
      )
      .option("--fix", "tighten .env and auth.json to mode 0600 when others can read them"),
  ).action(
    lazyAction(async (opts) => {
      const { runDoctor } = await import("./doctor/doctor.js");
      await runDoctor(ctx, { store: await store(), photon }, opts);
    }),
  );
}

function addCompletionCommand(program: Command, deps: CommandDeps): void {
  const { ctx, lazyAction } = deps;
  program
    .command("completion")
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(COMPLETION_SHELLS))
    .description(
      "print a shell completion script (e.g. `hermes completion bash > ~/.local/share/bash-completion/completions/hermes`)",
    )
    .action(
      lazyAction(async (shell: string) => {
        const { completionScript } = await import("./completion.js");
        ctx.stdout.write(completionScript(program, shell));
      }),
    );
}

/** Every command in the tree, the root first. */
function allCommands(root: Command): Command[] {
  return [root, ...root.commands.flatMap((c) => allCommands(c))];
}

/** The usage error for a commander parse failure, with the failing command's own help to look at. */
function usageErrorOf(err: CommanderError, command: Command | undefined): CliError {
  const name = err.code.replace(/^commander\./, "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const message = err.message
    .replace(/^error: /, "")
    .replace(/\n\(Did you mean (.*)\?\)$/, " (Did you mean $1?)");
  const path = command ? allCommandNames(command).join(" ") : "hermes";
  return new CliError(name, message, {
    exitCode: EXIT_USAGE,
    hints: [`Run \`${path} --help\` for usage.`],
  });
}

function allCommandNames(command: Command): string[] {
  return command.parent ? [...allCommandNames(command.parent), command.name()] : [command.name()];
}

/**
 * `hermes help gateway enroll` is `hermes gateway enroll --help`; a path that names no command
 * is parsed without --help, so commander reports the unknown command.
 */
function helpArgs(program: Command, path: readonly string[]): string[] {
  let command: Command | undefined = program;
  for (const name of path)
    command = command?.commands.find((c) => c.name() === name || c.aliases().includes(name));
  return command ? [...path, "--help"] : [...path];
}

/** `--json` anywhere before a `--`: errors (parse errors too) are then printed as JSON. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

/**
 * The command groups whose subcommands `argv` may reach: a group named anywhere in it (a
 * superset: a flag's value that happens to be a group name only builds more), every group for
 * `completion` (its script covers the whole tree). The others are built as their root-help
 * lines only (name and description, which is all `hermes --help` shows of them): building
 * every subcommand and option is a measurable share of start-up (bench/cli-startup.mjs).
 */
export function groupsReached(argv: readonly string[]): "all" | ReadonlySet<string> {
  return argv.includes("completion") ? "all" : new Set(argv);
}

export function buildProgram(
  ctx: CliContext,
  setAction: (a: Action) => void,
  groups: "all" | ReadonlySet<string> = "all",
): Command {
  const populate = (name: string) => groups === "all" || groups.has(name);
  const store = async (): Promise<HomeStore> =>
    (await import("./home/home.js")).createHomeStore(ctx.env, await ctx.homedir());
  const deps: CommandDeps = {
    ctx,
    lazyAction:
      (body) =>
      (...args) =>
        setAction(() => body(...args)),
    store,
    photon: async () => {
      const [{ photonApi }, { photonStore }] = await Promise.all([
        import("./photon/api-binding.js"),
        import("./home/home.js"),
      ]);
      return { api: photonApi(ctx), pstore: photonStore(ctx, await store()) };
    },
  };
  const program = createRoot(ctx);
  addGatewayCommands(program, deps, populate("gateway"));
  addPhotonCommands(program, deps, populate("photon"));
  addDoctorCommand(program, deps);
  addCompletionCommand(program, deps);
  return program;
}

export async function run(argv: readonly string[], ctx: CliContext): Promise<number> {
  let action: Action | undefined;
  const program = buildProgram(
    ctx,
    (a) => {
      action = a;
    },
    groupsReached(argv),
  );
  // Each command throws its own CommanderError, so the message can point at its own --help.
  let failed: Command | undefined;
  for (const command of allCommands(program)) {
    command.exitOverride((e) => {
      failed = command;
      throw e;
    });
  }
  const json = wantsJson(argv);
  const out = new Output(ctx);
  const args = argv[0] === "help" ? helpArgs(program, argv.slice(1)) : [...argv];
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version")
        return EXIT_OK;
      // A command that needs a subcommand, given none: commander has printed its help.
      if (err.code === "commander.help") return EXIT_USAGE;
      out.error(usageErrorOf(err, failed), json);
      return EXIT_USAGE;
    }
    out.error(new CliError("internal", `Unexpected error: ${(err as Error).message}`), json);
    return EXIT_FAILURE;
  }
  if (!action) return EXIT_OK;
  try {
    await action();
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CliError) {
      out.error(err, json);
      return err.exitCode;
    }
    out.error(
      new CliError("internal", `Unexpected error: ${(err as Error)?.message ?? String(err)}`, {
        hints: ["Please report this."],
      }),
      json,
    );
    return EXIT_FAILURE;
  }
}
