/**
 * A stateless CAPTCHA for the public forms (subscribe, forward, comment).
 *
 * issueCaptcha draws 5 characters from an alphabet without look-alikes (no 0/O, 1/I/l, …) as a
 * distorted PNG (stroked glyphs with random scale, rotation and shear, a wave warp, crossing
 * curves of the same ink and speckle; rendered and PNG-encoded here with node:zlib, no
 * dependency) and seals the answer with its issue time in a token (AES-256-GCM under a key
 * derived from the tracking key, so a CAPTCHA token can never pass as a recipient token). The
 * answer is never sent in clear; the server keeps nothing.
 *
 *   token = base64url(0xC1 ‖ 12-byte random nonce (the GCM IV) ‖ seal(answer ‖ issuedAt) ‖ tag)
 *
 * A token is valid for 10 minutes. Stateless means a solved token could be replayed within
 * that time: the caller rejects replays by recording captchaNonce(token) (e.g. a DynamoDB item
 * with a TTL of CAPTCHA_TTL_MS) after a successful verifyCaptcha.
 *
 * Times are epoch milliseconds (Date.now()).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** No 0/O/D, 1/I/l, 2/Z, 5/S, 8/B, 4/A, G/6 look-alikes. */
export const CAPTCHA_ALPHABET = 'ACEFHJKLMNPRTUVWXY3679';
export const CAPTCHA_LENGTH = 5;
export const CAPTCHA_TTL_MS = 10 * 60 * 1000;
/** How far in the future an issue time may lie (clock skew between Lambda instances). */
const MAX_SKEW_MS = 60 * 1000;
export const CAPTCHA_WIDTH = 170;
export const CAPTCHA_HEIGHT = 56;

const VERSION = 0xc1;
const AAD = Buffer.from('pigeon captcha v1');
const TOKEN_BYTES = 1 + 12 + CAPTCHA_LENGTH + 8 + 16;

export interface Captcha {
  /** data:image/png;base64,… for an <img src>. */
  readonly imageDataUri: string;
  /** The sealed answer, for a hidden form field. */
  readonly token: string;
}

export type CaptchaResult = 'ok' | 'wrong' | 'expired' | 'malformed';

function captchaKey(key: Uint8Array): Buffer {
  if (key.length !== 32) throw new Error('The tracking key must be 32 bytes');
  return createHmac('sha256', key).update('pigeon captcha key v1').digest();
}

/** A fresh random answer, every character equally likely. */
const UNBIASED_BYTES = 256 - (256 % CAPTCHA_ALPHABET.length);

function randomAnswer(): string {
  let answer = '';
  while (answer.length < CAPTCHA_LENGTH) {
    for (const byte of randomBytes(16)) {
      // Drop the bytes above the largest multiple of the alphabet's size: no bias.
      if (byte < UNBIASED_BYTES && answer.length < CAPTCHA_LENGTH) answer += CAPTCHA_ALPHABET[byte % CAPTCHA_ALPHABET.length];
    }
  }
  return answer;
}

/** Upper case, no white space (the answer check is case-insensitive and ignores spaces). */
export function normalizeCaptchaAnswer(answer: string): string {
  return answer.replace(/\s+/g, '').toUpperCase();
}

function seal(key: Uint8Array, answer: string, now: number): string {
  const iv = randomBytes(12);
  const issuedAt = Buffer.alloc(8);
  issuedAt.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(now))));
  const cipher = createCipheriv('aes-256-gcm', captchaKey(key), iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(Buffer.from(answer, 'ascii')), cipher.update(issuedAt), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]).toString('base64url');
}

function tokenBytes(token: unknown): Buffer | undefined {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{40,100}$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== TOKEN_BYTES || bytes[0] !== VERSION || bytes.toString('base64url') !== token) return undefined;
  return bytes;
}

function open(key: Uint8Array, token: unknown): { answer: string; issuedAt: number } | undefined {
  const derived = captchaKey(key);
  const bytes = tokenBytes(token);
  if (!bytes) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', derived, bytes.subarray(1, 13));
    decipher.setAAD(AAD);
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(13, bytes.length - 16)), decipher.final()]);
    return { answer: plain.subarray(0, CAPTCHA_LENGTH).toString('ascii'), issuedAt: Number(plain.readBigUInt64BE(CAPTCHA_LENGTH)) };
  } catch {
    return undefined;
  }
}

export function issueCaptcha(key: Uint8Array, now: number): Captcha {
  return issueCaptchaWithAnswer(key, now, randomAnswer());
}

/**
 * issueCaptcha with a given answer: for tests and previews only (a fixed answer is no CAPTCHA).
 * @internal
 */
export function issueCaptchaWithAnswer(key: Uint8Array, now: number, answer: string): Captcha {
  if (answer.length !== CAPTCHA_LENGTH || [...answer].some((c) => !CAPTCHA_ALPHABET.includes(c))) {
    throw new Error(`A CAPTCHA answer is ${CAPTCHA_LENGTH} characters of ${CAPTCHA_ALPHABET}`);
  }
  const token = seal(key, answer, now);
  return { imageDataUri: `data:image/png;base64,${renderCaptchaPng(answer).toString('base64')}`, token };
}

/**
 * Checks an answer against a token: 'malformed' for anything that does not open with the key
 * (tampered, truncated, foreign, not a string), then 'expired' (older than 10 minutes or issued
 * in the future), then 'ok' or 'wrong'. The caller should also refuse a nonce already used.
 */
export function verifyCaptcha(key: Uint8Array, token: string, answer: string, now: number): CaptchaResult {
  const opened = open(key, token);
  if (!opened) return 'malformed';
  const age = now - opened.issuedAt;
  if (!(age <= CAPTCHA_TTL_MS && age >= -MAX_SKEW_MS)) return 'expired';
  const given = Buffer.from(typeof answer === 'string' ? normalizeCaptchaAnswer(answer.slice(0, 64)) : '', 'utf8');
  const expected = Buffer.from(opened.answer, 'ascii');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'wrong';
}

/**
 * The answer a token holds, for whoever has the key: integration tests read the sandbox's key file
 * and answer as a person reading the image would. Undefined for a token that does not open.
 */
export function captchaAnswerOf(key: Uint8Array, token: string): string | undefined {
  return open(key, token)?.answer;
}

/**
 * The token's random nonce (base64url, 16 characters), for a replay store; undefined when the
 * token is not even well-formed. Does not verify the token: call verifyCaptcha first.
 */
export function captchaNonce(token: string): string | undefined {
  return tokenBytes(token)?.subarray(1, 13).toString('base64url');
}

// ---------------------------------------------------------------------------------------------
// Drawing

/** Stroke glyphs on a 4 × 6 grid (y down): each glyph is a list of polylines. */
const GLYPHS: Readonly<Record<string, readonly (readonly (readonly [number, number])[])[]>> = {
  A: [[[0, 6], [2, 0], [4, 6]], [[0.7, 4], [3.3, 4]]],
  C: [[[4, 1], [3, 0], [1, 0], [0, 1], [0, 5], [1, 6], [3, 6], [4, 5]]],
  E: [[[4, 0], [0, 0], [0, 6], [4, 6]], [[0, 3], [3, 3]]],
  F: [[[4, 0], [0, 0], [0, 6]], [[0, 3], [3, 3]]],
  H: [[[0, 0], [0, 6]], [[4, 0], [4, 6]], [[0, 3], [4, 3]]],
  J: [[[4, 0], [4, 5], [3, 6], [1, 6], [0, 5]]],
  K: [[[0, 0], [0, 6]], [[4, 0], [0, 3.8]], [[1.4, 2.6], [4, 6]]],
  L: [[[0, 0], [0, 6], [4, 6]]],
  M: [[[0, 6], [0, 0], [2, 3.5], [4, 0], [4, 6]]],
  N: [[[0, 6], [0, 0], [4, 6], [4, 0]]],
  P: [[[0, 6], [0, 0], [3, 0], [4, 1], [4, 2], [3, 3], [0, 3]]],
  R: [[[0, 6], [0, 0], [3, 0], [4, 1], [4, 2], [3, 3], [0, 3]], [[2, 3], [4, 6]]],
  T: [[[0, 0], [4, 0]], [[2, 0], [2, 6]]],
  U: [[[0, 0], [0, 5], [1, 6], [3, 6], [4, 5], [4, 0]]],
  V: [[[0, 0], [2, 6], [4, 0]]],
  W: [[[0, 0], [1, 6], [2, 2.5], [3, 6], [4, 0]]],
  X: [[[0, 0], [4, 6]], [[4, 0], [0, 6]]],
  Y: [[[0, 0], [2, 3], [4, 0]], [[2, 3], [2, 6]]],
  '3': [[[0, 1], [1, 0], [3, 0], [4, 1], [4, 2], [3, 3], [1.5, 3]], [[3, 3], [4, 4], [4, 5], [3, 6], [1, 6], [0, 5]]],
  '6': [[[4, 1], [3, 0], [1, 0], [0, 1], [0, 5], [1, 6], [3, 6], [4, 5], [4, 4], [3, 3], [0, 3]]],
  '7': [[[0, 0], [4, 0], [1.5, 6]]],
  '9': [[[4, 3], [1, 3], [0, 2], [0, 1], [1, 0], [3, 0], [4, 1], [4, 5], [3, 6], [1, 6], [0, 5]]],
};

interface Stroke {
  readonly ax: number;
  readonly ay: number;
  readonly bx: number;
  readonly by: number;
  /** Half the stroke width, px. */
  readonly half: number;
  /** Ink grey level, 0 (black) … 255. */
  readonly ink: number;
}


/** Uniform floats in [0, 1) from the CSPRNG, drawn in batches. */
function randomSource(): () => number {
  let pool = randomBytes(0);
  let offset = 0;
  return () => {
    if (offset + 4 > pool.length) {
      pool = randomBytes(1024);
      offset = 0;
    }
    const value = pool.readUInt32BE(offset) / 2 ** 32;
    offset += 4;
    return value;
  };
}

/** The answer drawn as an 8-bit greyscale PNG, CAPTCHA_WIDTH × CAPTCHA_HEIGHT. */
export function renderCaptchaPng(answer: string): Buffer {
  const random = randomSource();
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  const W = CAPTCHA_WIDTH;
  const H = CAPTCHA_HEIGHT;
  const strokes: Stroke[] = [];

  const pitch = (W - 20) / answer.length;
  [...answer].forEach((char, i) => {
    const glyph = GLYPHS[char];
    if (!glyph) throw new Error(`No glyph for ${char}`);
    const scale = between(5.2, 6.2);
    const angle = between(-0.3, 0.3);
    const shear = between(-0.22, 0.22);
    const cx = 10 + pitch * (i + 0.5) + between(-2, 2);
    const cy = H / 2 + between(-4, 4);
    const half = between(1.7, 2.2);
    const ink = Math.round(between(15, 70));
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const place = ([gx, gy]: readonly [number, number]): [number, number] => {
      const x = (gx - 2 + shear * (gy - 3)) * scale * 0.86;
      const y = (gy - 3) * scale * 0.85;
      return [cx + x * cos - y * sin, cy + x * sin + y * cos];
    };
    for (const line of glyph) {
      for (let p = 1; p < line.length; p++) {
        const [ax, ay] = place(line[p - 1] as readonly [number, number]);
        const [bx, by] = place(line[p] as readonly [number, number]);
        strokes.push({ ax, ay, bx, by, half, ink });
      }
    }
  });

  // Crossing curves in the same ink as the glyphs, so thresholding does not separate them.
  const curves = 2 + Math.floor(random() * 2);
  for (let c = 0; c < curves; c++) {
    const y0 = between(8, H - 8);
    const amplitude = between(4, 12);
    const period = between(30, 90);
    const phase = between(0, Math.PI * 2);
    const slope = between(-0.15, 0.15);
    const half = between(0.55, 0.95);
    const ink = Math.round(between(40, 110));
    const x0 = between(-10, W * 0.3);
    const x1 = between(W * 0.7, W + 10);
    let prev: [number, number] | undefined;
    for (let x = x0; x <= x1; x += 6) {
      const point: [number, number] = [x, y0 + slope * (x - x0) + amplitude * Math.sin(x / period * Math.PI * 2 + phase)];
      if (prev) strokes.push({ ax: prev[0], ay: prev[1], bx: point[0], by: point[1], half, ink });
      prev = point;
    }
  }

  const waveX = { a: between(1.5, 3), f: between(0.12, 0.22), p: between(0, 6.3) };
  const waveY = { a: between(2, 3.5), f: between(0.04, 0.08), p: between(0, 6.3) };
  const gradient = { a: between(-30, 30), b: between(-20, 20) };
  // Each pixel samples the glyph plane through a wave warp; background with gradient and grain.
  const sampleX = new Float32Array(W * H);
  const sampleY = new Float32Array(W * H);
  const value = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      sampleX[i] = x + 0.5 + waveX.a * Math.sin(y * waveX.f + waveX.p);
      sampleY[i] = y + 0.5 + waveY.a * Math.sin(x * waveY.f + waveY.p);
      value[i] = 215 + gradient.a * (x / W - 0.5) + gradient.b * (y / H - 0.5) + between(-18, 18);
    }
  }
  // Stroke by stroke, only over the pixels whose samples can fall near it.
  for (const s of strokes) {
    const padX = s.half + 1.5 + waveX.a;
    const padY = s.half + 1.5 + waveY.a;
    const x0 = Math.max(0, Math.floor(Math.min(s.ax, s.bx) - padX));
    const x1 = Math.min(W - 1, Math.ceil(Math.max(s.ax, s.bx) + padX));
    const y0 = Math.max(0, Math.floor(Math.min(s.ay, s.by) - padY));
    const y1 = Math.min(H - 1, Math.ceil(Math.max(s.ay, s.by) + padY));
    const dx = s.bx - s.ax;
    const dy = s.by - s.ay;
    const length2 = dx * dx + dy * dy;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * W + x;
        const px = sampleX[i] as number;
        const py = sampleY[i] as number;
        const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - s.ax) * dx + (py - s.ay) * dy) / length2));
        const ex = px - (s.ax + t * dx);
        const ey = py - (s.ay + t * dy);
        const cover = Math.max(0, Math.min(1, s.half + 0.5 - Math.sqrt(ex * ex + ey * ey)));
        if (cover > 0) {
          const v = value[i] as number;
          value[i] = Math.min(v, v + (s.ink - v) * cover);
        }
      }
    }
  }
  const grey = Buffer.alloc(W * H);
  for (let i = 0; i < W * H; i++) grey[i] = Math.max(0, Math.min(255, Math.round(value[i] as number)));
  // Speckle: dark and light dots.
  for (let n = 0; n < 140; n++) {
    const x = Math.floor(random() * W);
    const y = Math.floor(random() * H);
    grey[y * W + x] = random() < 0.5 ? Math.round(between(30, 110)) : 250;
  }
  return encodeGreyPng(grey, W, H);
}

// ---------------------------------------------------------------------------------------------
// PNG

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** An 8-bit greyscale PNG (colour type 0) from width × height grey levels, row filter None. */
export function encodeGreyPng(grey: Uint8Array, width: number, height: number): Buffer {
  if (grey.length !== width * height) throw new Error('Pixel count does not match the size');
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(grey.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
