/** Hex text to bytes, for fixed test secrets written as hex in fixtures. */

/** Bytes of an even-length hex string. @throws Error for anything else. */
export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new Error(`not hex bytes: \`${hex}\``);
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
