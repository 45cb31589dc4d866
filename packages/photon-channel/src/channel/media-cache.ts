// Inbound attachment bytes as local files the agent can open, in one directory the caller names,
// bounded per file and in total (oldest files go first). File names come from the network, so
// only a sanitized base name is used, behind a prefix this module chooses.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface MediaCacheOptions {
  /** The directory files are written to (created 0700 if missing). */
  dir: string;
  /** Larger attachments are not downloaded. Default 20 MiB. */
  maxFileBytes?: number;
  /** When the directory holds more, the oldest files are deleted. Default 512 MiB. */
  maxTotalBytes?: number;
}

interface CachedFile {
  path: string;
  size: number;
}

const SAFE_NAME = /[^\w.-]+/g;
const MAX_NAME_LENGTH = 80;

/**
 * A file name safe to put in a path: no separators, no leading dots, bounded length; `fallback`
 * when nothing is left.
 */
export function safeFileName(name: string | null | undefined, fallback = "attachment"): string {
  const cleaned = (name ?? "")
    .replace(SAFE_NAME, "_")
    .replace(/^[._]+/, "")
    .slice(-MAX_NAME_LENGTH);
  return cleaned === "" ? fallback : cleaned;
}

export class MediaCache {
  readonly maxFileBytes: number;
  readonly #maxTotalBytes: number;
  #files: CachedFile[] = [];
  #total = 0;
  #ready: Promise<void> | undefined;

  readonly #options: MediaCacheOptions;

  constructor(options: MediaCacheOptions) {
    this.#options = options;
    this.maxFileBytes = options.maxFileBytes ?? 20 * 1024 * 1024;
    this.#maxTotalBytes = options.maxTotalBytes ?? 512 * 1024 * 1024;
  }

  /**
   * Writes `bytes` (atomically, 0600) and returns the file's path; evicts the oldest files over the
   * total bound.
   */
  async store(fileName: string | null, bytes: Uint8Array): Promise<string> {
    if (bytes.byteLength > this.maxFileBytes)
      throw new RangeError(
        `attachment of ${bytes.byteLength} bytes is over the ${this.maxFileBytes}-byte limit`,
      );
    await (this.#ready ??= this.#load());
    const path = join(
      this.#options.dir,
      `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}-${safeFileName(fileName)}`,
    );
    const temp = `${path}.partial`;
    await writeFile(temp, bytes, { mode: 0o600 });
    await rename(temp, path);
    this.#files.push({ path, size: bytes.byteLength });
    this.#total += bytes.byteLength;
    await this.#evict();
    return path;
  }

  get totalBytes(): number {
    return this.#total;
  }

  /**
   * Picks up files an earlier process left, oldest first, so the total bound holds across restarts.
   */
  async #load(): Promise<void> {
    await mkdir(this.#options.dir, { recursive: true, mode: 0o700 });
    const found: Array<CachedFile & { mtime: number }> = [];
    for (const name of await readdir(this.#options.dir)) {
      const path = join(this.#options.dir, name);
      if (name.endsWith(".partial")) {
        await rm(path, { force: true });
        continue;
      }
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) found.push({ path, size: info.size, mtime: info.mtimeMs });
    }
    found.sort((a, b) => a.mtime - b.mtime);
    this.#files = found.map(({ path, size }) => ({ path, size }));
    this.#total = found.reduce((sum, file) => sum + file.size, 0);
  }

  async #evict(): Promise<void> {
    while (this.#total > this.#maxTotalBytes && this.#files.length > 1) {
      const oldest = this.#files.shift();
      if (!oldest) break;
      this.#total -= oldest.size;
      await rm(oldest.path, { force: true });
    }
  }
}
