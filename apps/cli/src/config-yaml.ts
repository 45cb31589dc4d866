// The YAML parser for config.yaml, a file of its own in dist/: the command bodies load it on
// the first parse, i.e. only when a config.yaml exists (see tsup.config.ts, "yaml-on-first-use").
// The names @hermes/tsup-config's stand-in offers (YAML_EXPORTS).
export { isMap, isScalar, isSeq, parseDocument } from "yaml";
