// The per-gateway media cache directory: downloaded attachments live here until they are older
// than the age bound or the directory is over its size bound (least recently used go first).
// Pruning never throws: a file that vanished or cannot be removed is skipped.
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

export interface MediaCacheBounds {
  /** Total bytes kept (default 512 MiB). */
  readonly maxBytes?: number;
  /** Files not used for this long are removed (default 24 h). */
  readonly maxAgeMs?: number;
}

export const DEFAULT_MEDIA_CACHE_MAX_BYTES = 512 * 1024 * 1024;
export const DEFAULT_MEDIA_CACHE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Remove what is over the bounds. `keep` (the file just downloaded) is never removed, so the
 * agent always gets the file it was promised even when one file is over the size bound.
 */
export function pruneMediaCache(
  dir: string,
  bounds: MediaCacheBounds,
  now: number,
  keep?: string,
): { removed: number } {
  const maxBytes = bounds.maxBytes ?? DEFAULT_MEDIA_CACHE_MAX_BYTES;
  const maxAgeMs = bounds.maxAgeMs ?? DEFAULT_MEDIA_CACHE_MAX_AGE_MS;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { removed: 0 };
  }
  const files: { path: string; size: number; used: number }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (st.isFile()) files.push({ path, size: st.size, used: st.mtimeMs });
    } catch {
      // gone meanwhile
    }
  }
  let removed = 0;
  const remove = (path: string): boolean => {
    if (path === keep) return false;
    try {
      rmSync(path, { force: true });
      removed++;
      return true;
    } catch {
      return false;
    }
  };
  let total = 0;
  const live: typeof files = [];
  for (const f of files) {
    if (now - f.used > maxAgeMs && remove(f.path)) continue;
    live.push(f);
    total += f.size;
  }
  live.sort((a, b) => a.used - b.used);
  for (const f of live) {
    if (total <= maxBytes) break;
    if (remove(f.path)) total -= f.size;
  }
  return { removed };
}
