export { FakeImessageLine, SpectrumFake, SpectrumFakeTimeoutError } from "./spectrum-fake.js";
export type {
  FakeDedicatedLine,
  SpectrumFakeOptions,
  PushedInbound,
  RecordedAttachmentSend,
} from "./spectrum-fake.js";
export type { InboundSpec, TapbackKind } from "./inbound-builders.js";
export { dmChatGuid } from "./inbound-builders.js";
export type { LoggedEvent, RecordedCall, RejectedCall } from "./imessage-service.js";
export type { RecordedControlRequest } from "./control-plane.js";
export { TEST_CA_CERT_PEM } from "./test-ca.js";
