import { describe, expect, it } from "vitest";
import { resolvePhotonHosts } from "./hosts.js";

describe("resolvePhotonHosts", () => {
  it("defaults, strips trailing slashes, PHOTON_SPECTRUM_HOST wins over PHOTON_API_HOST", () => {
    expect(resolvePhotonHosts({})).toEqual({
      dashboardHost: "https://app.photon.codes",
      spectrumHost: "https://spectrum.photon.codes",
    });
    expect(
      resolvePhotonHosts({ PHOTON_DASHBOARD_HOST: "http://d//", PHOTON_API_HOST: "http://a/" }),
    ).toEqual({ dashboardHost: "http://d", spectrumHost: "http://a" });
    expect(
      resolvePhotonHosts({ PHOTON_SPECTRUM_HOST: "http://s", PHOTON_API_HOST: "http://a" })
        .spectrumHost,
    ).toBe("http://s");
    expect(
      resolvePhotonHosts({ PHOTON_SPECTRUM_HOST: " ", PHOTON_API_HOST: "http://a" }).spectrumHost,
    ).toBe("http://a");
  });
});
