// The YAML parser for config.yaml, a file of its own in dist/ (config-yaml.cjs): the bin loads it
// on the first parse, i.e. only when a config.yaml exists (tsup.config.ts, yamlOnFirstUse).
// The names @hermes/tsup-config's stand-in offers (YAML_EXPORTS).
export { isMap, isScalar, isSeq, parseDocument } from "yaml";
