/**
 * Text that a peer supplied or that the broker generates ends up in terminals, status lines and logs.
 * Control characters there are how escape-sequence injection works (threat 11), so every place that
 * displays such text replaces them first, with this one function.
 */

/** Code points treated as controls: C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F). */
export function isControlCodePoint(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/** Unicode bidi embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they reorder text visually. */
export function isBidiControlCodePoint(code: number): boolean {
  return (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/**
 * Replaces every C0/C1 control character and DEL (and, with `bidi`, every bidi override or isolate)
 * with `replacement`. Works on UTF-16 code units: none of these code points is a surrogate.
 */
export function replaceControlChars(text: string, replacement = ' ', options: { bidi?: boolean } = {}): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isControlCodePoint(code) || (options.bidi === true && isBidiControlCodePoint(code))) {
      out += text.slice(start, i) + replacement;
      start = i + 1;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}
