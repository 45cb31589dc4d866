// One definition of a valid phone number, shared by the client, the fake Photon server and the
// CLI (through the package's `E164` export).

/** E.164: a '+', a non-zero digit, 7 to 15 digits in all (e.g. +15551234567). */
export const E164 = /^\+[1-9]\d{6,14}$/;
