// Loads the command tree (dist/main.cjs) and the command bodies it requires with a V8 code
// cache kept beside each file. Compiling them is the largest single cost of a command's
// start-up (bench/cli-startup.mjs), and Node 20
// has no module compile cache of its own (`module.enableCompileCache` is Node 22). The first
// start compiles as usual and, at exit, writes what V8 compiled; later starts hand it back to
// V8, which checks it against its version and flags and ignores a cache it cannot use.
//
// The cache lives in the bin's own folder, so whoever can write it can already change the code
// it stands for: a read-only install simply runs without one. Its name carries the Node
// version, the architecture and the file's size and modification time, so a rebuilt or
// upgraded tree never meets a cache made for other bytes.
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** The file's cache path: `.main.cjs.<node>-<arch>-<size>-<mtime>.v8cache` beside it. */
export function codeCachePath(file: string): string {
  const st = statSync(file);
  const key = `${process.version}-${process.arch}-${st.size}-${Math.trunc(st.mtimeMs)}`;
  return join(dirname(file), `.${basename(file)}.${key}.v8cache`);
}

type BundleRequire = (id: string) => unknown;

/**
 * A `require` for the bin's own bundles: `./` and `../` paths (the tree, the command bodies,
 * the YAML parser: self-contained CommonJS files that require only each other and Node
 * builtins) are compiled through their code caches and evaluated once each; anything else
 * (a builtin) goes to `parentRequire`. Any problem with a cache (missing, rejected,
 * unwritable) only means compiling without it.
 */
export function bundleRequire(dir: string, parentRequire: NodeJS.Require): BundleRequire {
  const loaded = new Map<string, { exports: unknown }>();
  const requireFrom =
    (from: string): BundleRequire =>
    (id) => {
      if (!id.startsWith("./") && !id.startsWith("../")) return parentRequire(id);
      const file = resolve(from, id);
      let module = loaded.get(file);
      if (module === undefined) {
        module = { exports: {} };
        loaded.set(file, module);
        try {
          evaluate(file, module, requireFrom(dirname(file)));
        } catch (e) {
          loaded.delete(file); // as Node's loader does: a failed load is not cached
          throw e;
        }
      }
      return module.exports;
    };
  return requireFrom(dir);
}

function evaluate(file: string, module: { exports: unknown }, require: BundleRequire): void {
  const vm = process.getBuiltinModule("node:vm");
  const text = readFileSync(file, "utf8");
  // A `#!` line (the build gives every file of the bin's bundle one) is blanked, not removed,
  // so line numbers stay.
  const source = text.startsWith("#!") ? text.slice(text.indexOf("\n")) : text;
  let cachePath: string | undefined;
  let cachedData: Buffer | undefined;
  try {
    cachePath = codeCachePath(file);
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  // The CommonJS wrapper, as Node's loader applies it.
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) { ${source}\n})`,
    { filename: file, ...(cachedData !== undefined ? { cachedData } : {}) },
  );
  if (cachePath !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    const target = cachePath;
    // At exit: the cache then holds every function this start compiled, not just the top level.
    process.once("exit", () => {
      const tmp = `${target}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, target);
      } catch {
        // A read-only install: no cache, nothing else changes.
      }
    });
  }
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: BundleRequire,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  wrapper.call(module.exports, module.exports, require, module, file, dirname(file));
}
