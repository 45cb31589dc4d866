export { imessageProtoRoot, IMESSAGE_SERVICE_PROTO_FILES } from "./imessage-protos.js";
