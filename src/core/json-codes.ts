/**
 * The codes of JSON's structural characters and of the two that delimit its strings. They are ASCII, so each is
 * the same as a UTF-16 code unit of JSON text (`charCodeAt`) and as a byte of its UTF-8: the scans over text
 * (`snapshot/json-text.ts`) and over bytes (`json-slices.ts`) share them.
 */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;
