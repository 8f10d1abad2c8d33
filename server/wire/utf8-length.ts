/**
 * The UTF-8 byte length of a string, as `Buffer.byteLength` counts it (a lone surrogate
 * becomes U+FFFD, 3 bytes), without a call into C++ for the short strings tensors hold.
 */
export function utf8Length(value: string): number {
  const length = value.length;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a pair: 2 UTF-16 units, 4 bytes
        i++;
      } else {
        bytes += 2;
      }
    } else bytes += 2;
  }
  return bytes;
}
