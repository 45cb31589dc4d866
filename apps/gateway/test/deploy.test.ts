// The shipped systemd unit (deploy/hermes-gateway.service): checked by `systemd-analyze
// verify` when it is on PATH, and ALWAYS by a strict reader of its own (sections, known
// directives per section, the values the gateway's exit codes depend on), so the test checks
// something real on machines without systemd too. Both checks are shown to reject a broken
// copy, so neither can pass vacuously.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { BIN } from "./support/gateway-process.js";

const UNIT_PATH = fileURLToPath(new URL("../deploy/hermes-gateway.service", import.meta.url));
const UNIT = readFileSync(UNIT_PATH, "utf8");

/** Directives a unit of this kind may use, per section (systemd.unit, .service, .exec, .kill, .resource-control). */
const KNOWN: Record<string, ReadonlySet<string>> = {
  Unit: new Set([
    "Description",
    "Documentation",
    "Wants",
    "Requires",
    "After",
    "Before",
    "BindsTo",
    "PartOf",
    "Conflicts",
    "ConditionPathExists",
    "StartLimitIntervalSec",
    "StartLimitBurst",
    "StartLimitAction",
  ]),
  Service: new Set([
    "Type",
    "ExecStart",
    "ExecStartPre",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "ExecStopPost",
    "Environment",
    "EnvironmentFile",
    "User",
    "Group",
    "DynamicUser",
    "SupplementaryGroups",
    "WorkingDirectory",
    "StateDirectory",
    "StateDirectoryMode",
    "CacheDirectory",
    "LogsDirectory",
    "RuntimeDirectory",
    "ConfigurationDirectory",
    "UMask",
    "Restart",
    "RestartSec",
    "RestartPreventExitStatus",
    "RestartForceExitStatus",
    "SuccessExitStatus",
    "KillMode",
    "KillSignal",
    "FinalKillSignal",
    "SendSIGKILL",
    "TimeoutStartSec",
    "TimeoutStopSec",
    "TimeoutSec",
    "WatchdogSec",
    "NotifyAccess",
    "NoNewPrivileges",
    "CapabilityBoundingSet",
    "AmbientCapabilities",
    "ProtectSystem",
    "ProtectHome",
    "PrivateTmp",
    "PrivateDevices",
    "PrivateUsers",
    "PrivateNetwork",
    "ProtectKernelTunables",
    "ProtectKernelModules",
    "ProtectKernelLogs",
    "ProtectControlGroups",
    "ProtectClock",
    "ProtectHostname",
    "ProtectProc",
    "ProcSubset",
    "RestrictAddressFamilies",
    "RestrictNamespaces",
    "RestrictRealtime",
    "RestrictSUIDSGID",
    "LockPersonality",
    "MemoryDenyWriteExecute",
    "SystemCallArchitectures",
    "SystemCallFilter",
    "SystemCallErrorNumber",
    "ReadWritePaths",
    "ReadOnlyPaths",
    "InaccessiblePaths",
    "MemoryMax",
    "MemoryHigh",
    "TasksMax",
    "CPUQuota",
    "LimitNOFILE",
    "StandardOutput",
    "StandardError",
    "SyslogIdentifier",
    "OOMScoreAdjust",
  ]),
  Install: new Set(["WantedBy", "RequiredBy", "Alias", "Also"]),
};
const BOOLEAN = /^(?:yes|no|true|false|on|off|1|0)$/;
const BOOLEAN_KEYS = new Set([
  "DynamicUser",
  "NoNewPrivileges",
  "PrivateTmp",
  "PrivateDevices",
  "ProtectKernelTunables",
  "ProtectKernelModules",
  "ProtectKernelLogs",
  "ProtectControlGroups",
  "ProtectClock",
  "ProtectHostname",
  "RestrictRealtime",
  "RestrictSUIDSGID",
  "LockPersonality",
  "MemoryDenyWriteExecute",
  "RestrictNamespaces",
]);
const RESTART_VALUES = new Set([
  "no",
  "on-success",
  "on-failure",
  "on-abnormal",
  "on-watchdog",
  "on-abort",
  "always",
]);

/** Problems found in a unit file's text; [] when it reads as a valid service unit for the gateway. */
function lintUnit(text: string): string[] {
  const problems: string[] = [];
  const values = new Map<string, string[]>();
  let section: string | null = null;
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const where = `line ${i + 1}`;
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const header = /^\[([A-Z]+)\]$/i.exec(line);
    if (header) {
      section = header[1] as string;
      if (!(section in KNOWN)) problems.push(`${where}: unknown section [${section}]`);
      return;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) return void problems.push(`${where}: not a key=value line: ${line}`);
    if (section === null) return void problems.push(`${where}: directive outside a section`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (!KNOWN[section]?.has(key))
      problems.push(`${where}: unknown directive ${key} in [${section}]`);
    if (BOOLEAN_KEYS.has(key) && !BOOLEAN.test(value))
      problems.push(`${where}: ${key} expects a boolean, got ${value}`);
    values.set(`${section}.${key}`, [...(values.get(`${section}.${key}`) ?? []), value]);
  });
  const one = (k: string) => values.get(k)?.at(-1);
  for (const s of Object.keys(KNOWN))
    if (!lines.some((l) => l.trim() === `[${s}]`)) problems.push(`missing section [${s}]`);
  if (!RESTART_VALUES.has(one("Service.Restart") ?? ""))
    problems.push(`Restart= must be one of ${[...RESTART_VALUES].join(", ")}`);
  if (one("Service.Restart") !== "on-failure")
    problems.push("Restart= must be on-failure (exit 1 restarts, a drained exit 0 does not)");
  const prevent = (one("Service.RestartPreventExitStatus") ?? "").split(/\s+/);
  for (const code of ["2", "3"])
    if (!prevent.includes(code)) problems.push(`RestartPreventExitStatus= must list ${code}`);
  const exec = one("Service.ExecStart") ?? "";
  if (!/^\/\S+ run$/.test(exec))
    problems.push(
      `ExecStart= must be an absolute path running \`run\`, got ${JSON.stringify(exec)}`,
    );
  if (!(values.get("Service.EnvironmentFile") ?? []).length)
    problems.push("EnvironmentFile= is required (secrets stay out of the unit)");
  if (!/^\d+s?$/.test(one("Service.TimeoutStopSec") ?? ""))
    problems.push("TimeoutStopSec= must bound the drain");
  return problems;
}

function systemdAnalyzePath(): string | null {
  const r = spawnSync("sh", ["-c", "command -v systemd-analyze"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() !== "" ? r.stdout.trim() : null;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `systemd-analyze verify` on a copy whose ExecStart runs the built bin (verify checks that the command exists). */
function verify(tool: string, text: string): { status: number | null; complaints: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "gw-unit-"));
  dirs.push(dir);
  const path = join(dir, "hermes-gateway.service");
  writeFileSync(path, text.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath} ${BIN}`));
  const r = spawnSync(tool, ["verify", path], { encoding: "utf8", timeout: 60_000 });
  const complaints = `${r.stdout}\n${r.stderr}`
    .split("\n")
    .filter((l) => l.includes(path) || l.includes("hermes-gateway.service"));
  return { status: r.status, complaints };
}

describe("deploy/hermes-gateway.service", () => {
  it("reads as a valid unit: known directives, on-failure restarts, 2 and 3 never restarted", () => {
    expect(lintUnit(UNIT)).toEqual([]);
    expect(UNIT).toMatch(/^RestartPreventExitStatus=2 3$/m);
    // The reader is not vacuous.
    const broken = UNIT.replace("Restart=on-failure", "Restart=sometimes")
      .replace("UMask=", "UMasq=")
      .replace("RestartPreventExitStatus=2 3", "RestartPreventExitStatus=2");
    expect(lintUnit(broken)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("unknown directive UMasq"),
        expect.stringContaining("Restart= must be one of"),
        "RestartPreventExitStatus= must list 3",
      ]),
    );
  });

  it("passes `systemd-analyze verify` when systemd-analyze is installed (the reader above covers machines without it)", () => {
    const tool = systemdAnalyzePath();
    if (tool === null) {
      // Nothing more to run here; the strict reader in the test above is the check on this machine.
      console.warn("systemd-analyze not on PATH: the unit was checked by the built-in reader only");
      expect(lintUnit(UNIT)).toEqual([]);
      return;
    }
    expect(verify(tool, UNIT)).toEqual({ status: 0, complaints: [] });
    const broken = verify(
      tool,
      UNIT.replace("Restart=on-failure", "Restart=sometimes").replace("UMask=", "UMasq="),
    );
    expect(broken.complaints.join("\n")).toMatch(/UMasq/);
    expect(broken.complaints.join("\n")).toMatch(/sometimes/);
  });
});
