export const DEFAULT_DASHBOARD_HOST = "https://app.photon.codes";
export const DEFAULT_SPECTRUM_HOST = "https://spectrum.photon.codes";

export interface PhotonHosts {
  dashboardHost: string;
  spectrumHost: string;
}

/**
 * `text` without its trailing `/`s. A loop, not `/\/+$/`: that regex restarts at every `/` of
 * a long run and fails at its end each time (quadratic on a string of slashes).
 */
export function stripTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return text.slice(0, end);
}

/**
 * Resolve hosts from an environment object the app passes in (the library never reads
 * `process.env`). `PHOTON_SPECTRUM_HOST` wins over the older `PHOTON_API_HOST`.
 */
export function resolvePhotonHosts(env: Readonly<Record<string, string | undefined>>): PhotonHosts {
  const pick = (...values: (string | undefined)[]) => values.map((v) => v?.trim()).find((v) => v);
  return {
    dashboardHost: stripTrailingSlashes(pick(env.PHOTON_DASHBOARD_HOST) ?? DEFAULT_DASHBOARD_HOST),
    spectrumHost: stripTrailingSlashes(
      pick(env.PHOTON_SPECTRUM_HOST, env.PHOTON_API_HOST) ?? DEFAULT_SPECTRUM_HOST,
    ),
  };
}
