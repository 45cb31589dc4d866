// The YAML parser for config.yaml, a file of its own in dist/ (config-yaml.cjs): the bin loads it
// on the first parse, i.e. only when a config.yaml exists (tsup.config.ts, yamlOnFirstUse).
export { parseDocument } from "yaml";
