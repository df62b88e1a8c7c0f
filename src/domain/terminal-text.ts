/**
 * Text from elsewhere (a configuration name, an upstream's error message) shown on a terminal:
 * control characters (C0 but tab, DEL, C1, which include ESC and CSI) are written as visible escapes,
 * so an ANSI sequence can neither recolour, move the cursor nor rewrite what the terminal shows.
 * Newlines too: one value stays on one line.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x0a) return '\\n';
    if (code === 0x0d) return '\\r';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
