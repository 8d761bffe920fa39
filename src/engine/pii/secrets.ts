/**
 * Bitcoin addresses (base58check and bech32/bech32m, checksums verified with @scure/base) and
 * credentials: AWS access key ids, GitHub tokens (their CRC32 checked), GitLab and Slack tokens,
 * JWTs whose header is JSON naming an algorithm, and PEM private key blocks.
 */
import { bech32, bech32m, createBase58check } from '@scure/base';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { contextWords, isWordCode, withContext, type Recognizer } from './scan';

const CRYPTO_CONTEXT = contextWords(['bitcoin', 'btc', 'wallet', 'crypto', 'address', 'send', 'donate', 'donations', 'payment']);
const CREDENTIAL_CONTEXT = contextWords(['key', 'token', 'secret', 'password', 'passwd', 'pwd', 'auth', 'authorization', 'bearer', 'api', 'apikey', 'credential', 'aws', 'github', 'gitlab', 'slack', 'access']);

const base58check = createBase58check((data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest()));

/** A legacy address: `1` (pay to public key hash) or `3` (pay to script hash), then base58. */
const BASE58_CANDIDATE = /[13](?<!\w[13])[1-9A-HJ-NP-Za-km-z]{25,34}(?!\w)/g;
/** A segwit address: `bc1`, then bech32 characters, all lower or all upper case. */
const BECH32_CANDIDATE = /(?<!\w)(?:bc1[02-9ac-hj-np-z]{8,87}|BC1[02-9AC-HJ-NP-Z]{8,87})(?!\w)/g;

/** Whether a base58 string decodes, checksum and all, to a 21-byte P2PKH (version 0) or P2SH (version 5) address. */
export function isBase58Address(address: string): boolean {
  try {
    const payload = base58check.decode(address);
    return payload.length === 21 && (payload[0] === 0x00 || payload[0] === 0x05);
  } catch {
    return false;
  }
}

/**
 * Whether a `bc1` string is a segwit address: witness version 0 with bech32's checksum and a 20
 * or 32 byte program, or versions 1–16 with bech32m's and 2 to 40 bytes (BIP 173 and BIP 350).
 */
export function isSegwitAddress(address: string): boolean {
  const lower = address.toLowerCase() as `${string}1${string}`;
  const v0 = bech32.decodeUnsafe(lower, 90);
  if (v0) {
    if (v0.prefix !== 'bc' || v0.words[0] !== 0) return false;
    const program = bech32.fromWordsUnsafe(v0.words.slice(1));
    return program !== undefined && (program.length === 20 || program.length === 32);
  }
  const v1 = bech32m.decodeUnsafe(lower, 90);
  if (!v1 || v1.prefix !== 'bc' || v1.words[0] < 1 || v1.words[0] > 16) return false;
  const program = bech32m.fromWordsUnsafe(v1.words.slice(1));
  return program !== undefined && program.length >= 2 && program.length <= 40;
}

/** Bitcoin addresses whose checksums hold. */
export const cryptoRecognizer: Recognizer = {
  types: ['CRYPTO'],
  scan(text, emit, { tick }) {
    for (const pattern of [BASE58_CANDIDATE, BECH32_CANDIDATE]) {
      for (const match of text.matchAll(pattern)) {
        tick();
        const valid = pattern === BASE58_CANDIDATE ? isBase58Address(match[0]) : isSegwitAddress(match[0]);
        if (!valid) continue;
        const start = match.index;
        const end = start + match[0].length;
        emit(start, end, 'CRYPTO', withContext(0.9, text, start, end, CRYPTO_CONTEXT));
      }
    }
  },
};

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A base62 string's value, as GitHub writes a token's checksum. */
function base62Value(text: string): number {
  let value = 0;
  for (const char of text) value = value * 62 + BASE62.indexOf(char);
  return value;
}

/** Whether a classic GitHub token's last six characters are the base62 CRC32 of the thirty before them. */
export function isGitHubToken(token: string): boolean {
  const body = token.slice(4, 34);
  return base62Value(token.slice(34)) === crc32(body);
}

/** Whether a JWT's header is base64url JSON naming an algorithm (and an unsigned one says `none`). */
export function isJwt(token: string): boolean {
  const [header, , signature] = token.split('.');
  try {
    const json: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    if (typeof json !== 'object' || json === null || typeof (json as { alg?: unknown }).alg !== 'string') return false;
    return signature !== '' || (json as { alg: string }).alg.toLowerCase() === 'none';
  } catch {
    return false;
  }
}

/** Where a credential may start: one pass finds every kind's prefix, then the kind's own pattern reads it whole. */
const CREDENTIAL_START = /AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox[bpar]-|xapp-|eyJ|-----BEGIN /g;

/** Each credential's whole shape (sticky, at the prefix found) and its check beyond the shape, if any. */
const CREDENTIALS: ReadonlyArray<{ prefix: RegExp; shape: RegExp; valid?: (token: string) => boolean; score: number }> = [
  { prefix: /^A[KS]IA/, shape: /A[KS]IA[A-Z2-7]{16}(?!\w)/y, score: 0.8 },
  { prefix: /^gh[pousr]_/, shape: /gh[pousr]_[A-Za-z0-9]{36}(?!\w)/y, valid: isGitHubToken, score: 1 },
  { prefix: /^github_pat_/, shape: /github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?!\w)/y, score: 0.95 },
  { prefix: /^glpat-/, shape: /glpat-[A-Za-z0-9_-]{20,64}(?![\w-])/y, score: 0.9 },
  { prefix: /^xox[bpar]-/, shape: /xox[bpar]-(?:\d+-){1,3}[A-Za-z0-9]{8,64}(?![\w-])/y, score: 0.9 },
  { prefix: /^xapp-/, shape: /xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{16,}(?![\w-])/y, score: 0.9 },
  { prefix: /^eyJ/, shape: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*(?![\w-])/y, valid: isJwt, score: 0.9 },
  // The same label in BEGIN and END ("RSA ", "EC ", "ENCRYPTED " or none); at most 64 KiB between them.
  { prefix: /^-----BEGIN /, shape: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[A-Za-z0-9+/=\s:,-]{16,65536}?-----END \1PRIVATE KEY-----/y, score: 1 },
];

/** Access keys and tokens whose shape (and, where there is one, checksum) is that of a real credential. */
export const credentialRecognizer: Recognizer = {
  types: ['CREDENTIAL'],
  scan(text, emit, { tick }) {
    for (const match of text.matchAll(CREDENTIAL_START)) {
      tick();
      // Not in the middle of a word (a PEM block's dashes are its own).
      const before = text.charCodeAt(match.index - 1);
      if (isWordCode(before) || (before === 45 && match[0] !== '-----BEGIN ')) continue;
      const kind = CREDENTIALS.find((credential) => credential.prefix.test(match[0]));
      if (!kind) continue;
      kind.shape.lastIndex = match.index;
      const whole = kind.shape.exec(text);
      if (!whole || (kind.valid && !kind.valid(whole[0]))) continue;
      const start = match.index;
      const end = start + whole[0].length;
      emit(start, end, 'CREDENTIAL', withContext(kind.score, text, start, end, CREDENTIAL_CONTEXT));
    }
  },
};
