// qrcode-terminal's QR encoder (its lib/main.js renderer has legacy octal escapes that an ESM
// bundle rejects, so we render the modules ourselves).
declare module "qrcode-terminal/vendor/QRCode/index.js" {
  class QRCode {
    constructor(typeNumber: number, errorCorrectLevel: number);
    addData(data: string): void;
    make(): void;
    getModuleCount(): number;
    modules: boolean[][];
  }
  export default QRCode;
}
