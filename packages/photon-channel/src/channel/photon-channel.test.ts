import { describe, expect, it } from "vitest";
import { PhotonChannel, PhotonChannelStateError, PhotonSdkLoadError } from "./photon-channel.js";

// The channel's own rules that need no SDK at all (the SDK loader is never reached or fails).
// Everything that talks to Photon is tested on the real SDK in test/channel-against-fake.test.ts.

const base = {
  projectId: "proj_1",
  projectSecret: "s3cret-value",
  allowedUsers: [] as string[],
  onMessage: () => undefined,
};

describe("PhotonChannel without the SDK", () => {
  it("refuses to be built without project credentials", () => {
    expect(() => new PhotonChannel({ ...base, projectSecret: "" })).toThrow(
      PhotonChannelStateError,
    );
  });

  it("says plainly when spectrum-ts cannot be loaded, and may be started again after that", async () => {
    let loads = 0;
    const channel = new PhotonChannel({
      ...base,
      loadSdk: () =>
        Promise.reject(
          Object.assign(new Error(`Cannot find module 'spectrum-ts' ${++loads}`), {
            code: "ERR_MODULE_NOT_FOUND",
          }),
        ),
    });
    const error = await channel.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhotonSdkLoadError);
    expect(error).toMatchObject({ code: "PHOTON_SDK_UNAVAILABLE" });
    expect(channel.state).toBe("failed");
    await expect(channel.start()).rejects.toBeInstanceOf(PhotonSdkLoadError);
    expect(loads).toBe(2);
  });

  it("a stopped channel does not start again, and refuses sends", async () => {
    let loads = 0;
    const channel = new PhotonChannel({
      ...base,
      loadSdk: async () => Promise.reject(new Error(`load ${++loads}`)),
    });
    await channel.stop();
    await expect(channel.start()).rejects.toBeInstanceOf(PhotonChannelStateError);
    await expect(channel.sendText("any;-;+15550000000", "hi")).rejects.toBeInstanceOf(
      PhotonChannelStateError,
    );
    expect(loads).toBe(0);
  });

  it("warns about unusable allowed-users entries and an empty list, without the secret", () => {
    const warnings: string[] = [];
    new PhotonChannel({
      ...base,
      allowedUsers: "not-a-number",
      logger: { warn: (m) => warnings.push(m) },
    });
    expect(warnings.join("\n")).toMatch(/not an E\.164 number or an email/);
    expect(warnings.join("\n")).toMatch(/every inbound message will be denied/);
    expect(warnings.join("\n")).not.toContain("s3cret-value");
  });
});
