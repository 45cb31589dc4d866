export { FakePhotonServer } from "./fake-photon-server.js";
export type {
  DeviceScript,
  FakeFailure,
  FakePhotonServerOptions,
  FakeProject,
  FakeUser,
  FakeWebhook,
  RecordedRequest,
  TokenShape,
} from "./fake-photon-server.js";
