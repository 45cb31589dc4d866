// A reader over a SettingsSource: look a key up through the layers and parse it in one call.
// Every method returns null when no layer sets the key, so a default is an explicit choice of
// the caller (`orDefault`), recorded with source "default".
import { SettingsError } from "./errors.js";
import {
  parseBoolean,
  parseEnum,
  parseHost,
  parseInteger,
  parseList,
  parseSecret,
  parseString,
  parseUrl,
  type BooleanWords,
  type IntRange,
} from "./parse.js";
import type { SettingKey, SettingsSource, Sourced } from "./source.js";
import type { UrlPolicy } from "./url-policy.js";

/** What `Settings.url` applies besides the schemes. */
export type InsecureUrlAllowance = Pick<UrlPolicy, "allowInsecure" | "insecureOverride">;

/** `s`, or `value` recorded as a default. */
export function orDefault<T, D = T>(s: Sourced<T> | null, value: D): Sourced<T | D> {
  return s ?? { value, source: "default", key: "" };
}

export class Settings {
  constructor(
    readonly source: SettingsSource,
    readonly insecureUrls: InsecureUrlAllowance = {
      allowInsecure: false,
      insecureOverride: "allow it explicitly",
    },
  ) {}

  raw(key: SettingKey): Sourced<unknown> | null {
    return this.source.get(key);
  }

  string(key: SettingKey): Sourced<string> | null {
    const r = this.raw(key);
    return r && parseString(r);
  }

  /** A host to listen on (an IP address or a DNS name). */
  host(key: SettingKey): Sourced<string> | null {
    const r = this.raw(key);
    return r && parseHost(r);
  }

  int(key: SettingKey, range: IntRange): Sourced<number> | null {
    const r = this.raw(key);
    return r && parseInteger(r, range);
  }

  bool(key: SettingKey, words?: BooleanWords): Sourced<boolean> | null {
    const r = this.raw(key);
    return r && parseBoolean(r, words);
  }

  oneOf<T extends string>(key: SettingKey, choices: readonly T[]): Sourced<T> | null {
    const r = this.raw(key);
    return r && parseEnum(r, choices);
  }

  list(key: SettingKey): Sourced<string[]> | null {
    const r = this.raw(key);
    return r && parseList(r);
  }

  /**
   * A URL with one of `schemes` (with colon: "wss:"), under this reader's insecure-URL allowance;
   * `base`: paths are appended to it, so no query or fragment.
   */
  url(key: SettingKey, schemes: readonly string[], base = false): Sourced<string> | null {
    const r = this.raw(key);
    return r && parseUrl(parseString(r), { schemes, ...this.insecureUrls, base });
  }

  secret(key: SettingKey): Sourced<string> | null {
    const r = this.raw(key);
    return r && parseSecret(r);
  }
}

/** Runs `read`; a SettingsError goes to `onError` (when given) and the result is null, anything else is thrown. */
export function collecting<T>(
  read: () => T,
  onError: ((e: SettingsError) => void) | undefined,
): T | null {
  if (onError === undefined) return read();
  try {
    return read();
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    onError(e);
    return null;
  }
}
