import { PhotonClient } from "../src/index.js";
import { FakePhotonServer } from "../src/testing/index.js";

/** A client wired to a started fake, with a virtual clock advanced only by the injected sleep. */
export async function setup(options: ConstructorParameters<typeof FakePhotonServer>[0] = {}) {
  const server = await new FakePhotonServer(options).start();
  const clock = { t: 1_700_000_000_000, sleeps: [] as number[] };
  const logs: string[] = [];
  const client = new PhotonClient({
    dashboardHost: `${server.baseUrl}/`,
    spectrumHost: server.baseUrl,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
    logger: (m) => logs.push(m),
  });
  return { server, client, clock, logs };
}
