import qrcode from "qrcode-terminal";

/** A compact terminal QR code of `text` (half-block characters). */
export function terminalQr(text: string): string {
  let out = "";
  qrcode.generate(text, { small: true }, (qr) => {
    out = qr;
  });
  return out;
}
