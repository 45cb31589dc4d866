import QRCode from "qrcode-terminal/vendor/QRCode/index.js";

const ERROR_CORRECTION_L = 1;

/**
 * A compact terminal QR code of `text`: two modules per character cell with half blocks, a
 * one-module light border (dark modules print as spaces, like qrcode-terminal's small mode).
 */
export function terminalQr(text: string): string {
  const qr = new QRCode(-1, ERROR_CORRECTION_L);
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const dark = (r: number, c: number) =>
    r >= 0 && r < n && c >= 0 && c < n && qr.modules[r]?.[c] === true;
  const lines: string[] = [];
  for (let r = -1; r < n + 1; r += 2) {
    let line = "";
    for (let c = -1; c < n + 1; c++) {
      const top = dark(r, c);
      const bottom = dark(r + 1, c);
      line += top && bottom ? " " : top ? "▄" : bottom ? "▀" : "█";
    }
    lines.push(line);
  }
  return lines.join("\n");
}
