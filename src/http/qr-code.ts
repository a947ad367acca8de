/**
 * QR codes as SVG (the `qrcode` package encodes; it runs on every runtime), for the subscribe page and the admin
 * page: scanned with a phone's camera, they open a link there.
 */
import QRCode from "qrcode";

/**
 * An SVG drawing of `text` as a QR code (error correction level M, a 4-module quiet zone), black on white.
 * @example await qrSvg("https://feeds.example.org/subscribe/…") // "<svg xmlns=… viewBox=\"0 0 41 41\" …>"
 */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 4 });
}
