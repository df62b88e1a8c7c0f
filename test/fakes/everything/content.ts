/**
 * The fixed payloads the MCP conformance suite (server scenarios) asks for. The texts are the ones the
 * scenarios' descriptions give, so a relay in between can be checked byte for byte against them.
 */

/** A 1x1 red PNG (RGBA, one filtered scanline). */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** A valid WAV: RIFF header, 8 kHz mono 8-bit PCM, eight samples of silence (128 is zero for 8-bit). */
export const WAV_BASE64 = wav(8).toString('base64');

function wav(samples: number): Buffer {
  const b = Buffer.alloc(44 + samples, 128);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + samples, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16); // fmt chunk size
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(8000, 24); // sample rate
  b.writeUInt32LE(8000, 28); // byte rate
  b.writeUInt16LE(1, 32); // block align
  b.writeUInt16LE(8, 34); // bits per sample
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(samples, 40);
  return b;
}

export const TEXT = {
  simple: 'This is a simple text response for testing.',
  error: 'This tool intentionally returns an error for testing',
  embedded: 'This is an embedded resource content.',
  mixedIntro: 'Multiple content types test:',
  staticText: 'This is the content of the static text resource.',
  simplePrompt: 'This is a simple prompt for testing.',
  promptResource: 'Embedded resource content for testing.',
  promptResourceAsk: 'Please process the embedded resource above.',
  promptImageAsk: 'Please analyze the image above.',
  reconnection: 'Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.',
} as const;

export const URI = {
  embedded: 'test://embedded-resource',
  mixed: 'test://mixed-content-resource',
  staticText: 'test://static-text',
  staticBinary: 'test://static-binary',
  watched: 'test://watched-resource',
  template: 'test://template/{id}/data',
} as const;
