// node:fs as a full disk makes it for the turn journal (a full disk cannot be made without root):
// writeSync on a descriptor of a `.jsonl` file fails with ENOSPC while `disk.full`, after
// `disk.room` more bytes (a write cut short); with `disk.tmpToo`, so do writes to a compaction's
// `.jsonl.tmp` (else a compaction goes through while full). For a test's vi.mock("node:fs") factory, with the
// real module and its own `disk` (from vi.hoisted).
import type * as fsModule from "node:fs";

export interface FullDisk {
  full: boolean;
  /** Bytes a write may still put on disk before ENOSPC (a short write), while full. */
  room: number;
  /** The journal's descriptors (closed ones are forgotten: the number is reused). */
  readonly fds: Set<number>;
  /** Writes refused so far. */
  failures: number;
  /** Compactions' temporary files fill up too. */
  tmpToo?: boolean;
  /** The next this many fdatasync calls on the journal fail with EIO (the data stays written). */
  syncErrors?: number;
}

export function fullDiskFs(fs: typeof fsModule, disk: FullDisk): typeof fsModule {
  const openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
    const name = String(path);
    if (name.endsWith(".jsonl") || (disk.tmpToo === true && name.endsWith(".jsonl.tmp")))
      disk.fds.add(fd);
    return fd;
  }) as typeof fs.openSync;
  const closeSync = ((fd: number) => {
    disk.fds.delete(fd);
    fs.closeSync(fd);
  }) as typeof fs.closeSync;
  const writeSync = ((fd: number, buffer: Buffer, offset?: number, length?: number) => {
    if (disk.full && disk.fds.has(fd)) {
      const off = offset ?? 0;
      const len = length ?? buffer.length - off;
      if (disk.room > 0) {
        const n = Math.min(disk.room, len);
        disk.room -= n;
        return fs.writeSync(fd, buffer, off, n);
      }
      disk.failures++;
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    }
    return (fs.writeSync as (...a: unknown[]) => number)(fd, buffer, offset, length);
  }) as typeof fs.writeSync;
  const fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    if ((disk.syncErrors ?? 0) > 0 && disk.fds.has(fd)) {
      disk.syncErrors! -= 1;
      setImmediate(() =>
        callback(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" })),
      );
      return;
    }
    fs.fdatasync(fd, callback);
  }) as typeof fs.fdatasync;
  const replaced = { openSync, closeSync, writeSync, fdatasync };
  return { ...fs, default: { ...fs, ...replaced }, ...replaced } as typeof fsModule;
}
