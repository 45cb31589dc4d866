// Lint config: the shared Hermes rules (see tooling/eslint).
export { default } from "@hermes/eslint-config";
