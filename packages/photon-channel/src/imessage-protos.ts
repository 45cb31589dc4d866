import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The directory holding the iMessage `.proto` files that `@photon-ai/advanced-imessage` ships
 * (`photon/imessage/v1/*.proto` and the `google/api` imports they need). The package does not
 * export its `proto/` folder, so it is found next to the package's resolved entry point.
 */
export function imessageProtoRoot(): string {
  const entry = createRequire(import.meta.url).resolve("@photon-ai/advanced-imessage");
  return join(dirname(entry), "..", "proto");
}

/** The iMessage services defined by those files, as `photon/imessage/v1/<name>.proto` paths. */
export const IMESSAGE_SERVICE_PROTO_FILES = [
  "address_service",
  "attachment_service",
  "chat_service",
  "event_service",
  "group_service",
  "location_service",
  "message_service",
  "poll_service",
].map((name) => `photon/imessage/v1/${name}.proto`);
