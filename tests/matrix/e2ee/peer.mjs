// An independent end-to-end encrypted Matrix peer for tests: matrix-js-sdk with its Rust crypto
// (WebAssembly, keys in memory), logged in to the fake homeserver by password and syncing.
// Also starts the `fake-matrix` program. Every wait is bounded and says what it waited for.
import { spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LoggerLevel, Tracing } from '@matrix-org/matrix-sdk-crypto-wasm';
import { Agent, fetch as undiciFetch } from 'undici';
import { ClientEvent, createClient } from 'matrix-js-sdk';
import { logger as sdkLogger } from 'matrix-js-sdk/lib/logger.js';

// The SDK logs every sync and key query; MATRIX_PEER_LOG=debug (or info, warn) shows it.
const logLevels = ['trace', 'debug', 'info', 'warn', 'error'];
const logLevel = process.env.MATRIX_PEER_LOG || 'error';

// A client's logger: lines at `logLevel` and above, each prefixed with whose client it is.
function peerLogger(prefix) {
  const logger = { getChild: (child) => peerLogger(`${prefix} ${child}`) };
  for (const level of logLevels) {
    logger[level] = logLevels.indexOf(level) < logLevels.indexOf(logLevel)
      ? () => {}
      : (...parts) => console.error(prefix, ...parts);
  }
  return logger;
}

// Parts of the SDK log through children of its global logger, which it sets to debug; they go
// through the same filter.
sdkLogger.setLevel(logLevel);
sdkLogger.getChild = sdkLogger.withPrefix = (prefix) => peerLogger(prefix);

const megolm = 'm.megolm.v1.aes-sha2';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One test's assertion: throws naming what failed, or prints it as passed.
export function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok   ${what}`);
}

// Polls `check` until it returns something truthy; throws after `timeoutMs` naming `what`.
export async function waitUntil(what, check, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// Starts `fake-matrix` with `args` and --interactive; resolves once it printed its ready line,
// with that line's fields, the CA it serves with (read back from the file it wrote, --ca-out),
// `command(line)` that runs one of its stdin commands and resolves with its answer line (see
// `fake-matrix --help`), and `stop()`.
export function startFakeMatrix(binary, { args = [], caFile, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--ca-out', caFile, '--interactive', ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`fake-matrix printed no ready line within ${timeoutMs} ms`));
    }, timeoutMs);
    const waiting = [];  // resolvers of the lines still to come, in order
    let ready = false;
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      for (let newline = seen.indexOf('\n'); newline >= 0; newline = seen.indexOf('\n')) {
        const line = seen.slice(0, newline);
        seen = seen.slice(newline + 1);
        if (ready) {
          waiting.shift()?.(line);
          continue;
        }
        ready = true;
        clearTimeout(timer);
        resolve({
          ...JSON.parse(line),
          ca: readFileSync(caFile, 'utf8'),
          process: child,
          command: (text) => new Promise((answer, fail) => {
            const bounded = setTimeout(() => fail(new Error(`fake-matrix did not answer ${text}`)), timeoutMs);
            waiting.push((reply) => {
              clearTimeout(bounded);
              if (reply.startsWith('error:') || reply.startsWith('unknown command')) {
                fail(new Error(`fake-matrix: ${text}: ${reply}`));
              } else {
                answer(reply);
              }
            });
            child.stdin.write(`${text}\n`);
          }),
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`fake-matrix exited with ${code} before it was ready: ${seen}`));
    });
  });
}

// fetch that trusts the fake's CA only: it serves real TLS with a throwaway CA.
function fetchTrusting(ca) {
  const dispatcher = new Agent({ connect: { ca } });
  return (url, init = {}) => undiciFetch(url, { ...init, dispatcher });
}

const unpaddedBase64 = (bytes) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');
const fromBase64 = (text) => Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

// Encrypts an attachment as the spec's EncryptedFile says (AES-256-CTR, a JWK key, the SHA-256
// of the ciphertext); the caller adds `url` after uploading the ciphertext.
export function encryptAttachment(plain) {
  const key = randomBytes(32);
  // The high half of the counter block is random, the low half the counter, starting at 0.
  const iv = Buffer.concat([randomBytes(8), Buffer.alloc(8)]);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  const file = {
    v: 'v2',
    key: {
      kty: 'oct',
      key_ops: ['encrypt', 'decrypt'],
      alg: 'A256CTR',
      k: key.toString('base64url'),
      ext: true,
    },
    iv: unpaddedBase64(iv),
    hashes: { sha256: unpaddedBase64(createHash('sha256').update(ciphertext).digest()) },
  };
  return { ciphertext, file };
}

// Checks the ciphertext's hash, then decrypts it with the EncryptedFile's key and iv.
export function decryptAttachment(ciphertext, file) {
  if (file?.v !== 'v2' || file.key?.alg !== 'A256CTR') {
    throw new Error(`unsupported EncryptedFile: ${JSON.stringify({ v: file?.v, alg: file?.key?.alg })}`);
  }
  const hash = unpaddedBase64(createHash('sha256').update(ciphertext).digest());
  if (hash !== file.hashes?.sha256) throw new Error('attachment hash mismatch');
  const decipher = createDecipheriv('aes-256-ctr', fromBase64(file.key.k), fromBase64(file.iv));
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

// A logged-in, syncing peer. Create with `startPeer`.
export class Peer {
  constructor(client, fetchFn) {
    this.client = client;
    this.fetch = fetchFn;
    this.userId = client.getUserId();
    this.deviceId = client.getDeviceId();
  }

  // A private room with m.room.encryption from the start, the given user IDs invited. Resolves
  // once this client knows the room is encrypted.
  async createEncryptedRoom({ invite = [], name } = {}) {
    const { room_id: roomId } = await this.client.createRoom({
      preset: 'private_chat',
      visibility: 'private',
      name,
      invite,
      initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: megolm } }],
    });
    await this.waitForEncryptedRoom(roomId);
    return roomId;
  }

  async invite(roomId, userId) {
    await this.client.invite(roomId, userId);
  }

  // Resolves with the room ID once an invite (from `from`, if given) reached this client.
  async waitForInvite({ from, timeoutMs } = {}) {
    const room = await waitUntil(`${this.userId} to be invited${from ? ` by ${from}` : ''}`, () =>
      this.client.getRooms().find((candidate) => {
        if (candidate.getMyMembership() !== 'invite') return false;
        return !from || candidate.getMember(this.userId)?.events.member?.getSender() === from;
      }), timeoutMs);
    return room.roomId;
  }

  // Joins and waits until the room is synced with its encryption known.
  async join(roomId, { timeoutMs } = {}) {
    await this.client.joinRoom(roomId);
    await this.waitForEncryptedRoom(roomId, timeoutMs);
  }

  async waitForEncryptedRoom(roomId, timeoutMs) {
    await waitUntil(`${this.userId} to sync ${roomId} as a joined encrypted room`, async () =>
      this.client.getRoom(roomId)?.getMyMembership() === 'join' &&
      (await this.client.getCrypto().isEncryptionEnabledInRoom(roomId)), timeoutMs);
  }

  // Waits until `userId`'s membership in the room is `membership` as this client sees it.
  async waitForMembership(roomId, userId, membership, { timeoutMs } = {}) {
    await waitUntil(`${this.userId} to see ${userId} ${membership} ${roomId}`, () =>
      this.client.getRoom(roomId)?.getMember(userId)?.membership === membership, timeoutMs);
  }

  // Each sender below refuses to send into a room this client does not know to be encrypted,
  // so a test can never pass on plaintext.
  async send(roomId, type, content) {
    if (!(await this.client.getCrypto().isEncryptionEnabledInRoom(roomId))) {
      throw new Error(`${this.userId} would send ${type} into ${roomId} unencrypted`);
    }
    const { event_id: eventId } = await this.client.sendEvent(roomId, type, content);
    return eventId;
  }

  sendText(roomId, body) {
    return this.send(roomId, 'm.room.message', { msgtype: 'm.text', body });
  }

  // matrix-js-sdk leaves reactions unencrypted even here, as Element does.
  react(roomId, eventId, key) {
    return this.send(roomId, 'm.reaction', {
      'm.relates_to': { rel_type: 'm.annotation', event_id: eventId, key },
    });
  }

  edit(roomId, eventId, newBody) {
    return this.send(roomId, 'm.room.message', {
      msgtype: 'm.text',
      body: `* ${newBody}`,
      'm.new_content': { msgtype: 'm.text', body: newBody },
      'm.relates_to': { rel_type: 'm.replace', event_id: eventId },
    });
  }

  async redact(roomId, eventId, reason) {
    const { event_id: redactionId } = await this.client.redactEvent(roomId, eventId, undefined,
      reason ? { reason } : undefined);
    return redactionId;
  }

  // Encrypts `bytes`, uploads the ciphertext and sends an m.file event whose `file` carries the
  // key; returns the event ID.
  async sendFile(roomId, { name, bytes, mimetype = 'application/octet-stream' }) {
    const { ciphertext, file } = encryptAttachment(bytes);
    const { content_uri: url } = await this.client.uploadContent(ciphertext, {
      type: 'application/octet-stream',
      includeFilename: false,
    });
    return this.send(roomId, 'm.room.message', {
      msgtype: 'm.file',
      body: name,
      filename: name,
      info: { mimetype, size: bytes.length },
      file: { ...file, url },
    });
  }

  // The first event in the room's live timeline for which `match(event)` holds, waiting for it.
  // Events are offered once decrypted (and undecryptable ones as they are, with
  // isDecryptionFailure()), so `match` may look at getType() and getContent().
  async waitForEvent(roomId, match, { what = 'a matching event', timeoutMs } = {}) {
    return waitUntil(`${this.userId} to see ${what} in ${roomId}`, () => {
      const events = this.client.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [];
      return events.find((event) => !event.isBeingDecrypted() && match(event));
    }, timeoutMs);
  }

  // A message from `sender` that arrived encrypted and was decrypted, whose original (unedited)
  // content satisfies `match(content, event)`.
  waitForMessage(roomId, match, { sender, type = 'm.room.message', timeoutMs, what } = {}) {
    return this.waitForEvent(roomId, (event) =>
      event.isEncrypted() && !event.isDecryptionFailure() && event.getType() === type &&
      (!sender || event.getSender() === sender) && match(event.getOriginalContent(), event), {
      what: what ?? `a decrypted ${type}${sender ? ` from ${sender}` : ''}`,
      timeoutMs,
    });
  }

  // A decrypted text message from `sender` whose body is `body` (a string or a RegExp).
  waitForText(roomId, sender, body, { timeoutMs } = {}) {
    const matches = (text) => (body instanceof RegExp ? body.test(text) : text === body);
    return this.waitForMessage(roomId, (content) => matches(content.body ?? ''), {
      sender,
      timeoutMs,
      what: `the decrypted text ${body} from ${sender}`,
    });
  }

  // An event from `sender` this client could not decrypt (its room key has not arrived).
  waitForUndecryptable(roomId, sender, { timeoutMs } = {}) {
    return this.waitForEvent(roomId, (event) =>
      event.isDecryptionFailure() && event.getSender() === sender, {
      what: `an undecryptable event from ${sender}`,
      timeoutMs,
    });
  }

  // Downloads an encrypted attachment (the `file` of an m.file, m.image… event's content,
  // through authenticated media) and returns its decrypted bytes.
  async downloadAttachment(event) {
    const file = event.getOriginalContent().file;
    if (!file?.url) throw new Error(`event ${event.getId()} carries no encrypted file`);
    const url = this.client.mxcUrlToHttp(file.url, undefined, undefined, undefined, false, true, true);
    const response = await this.fetch(url, {
      headers: { Authorization: `Bearer ${this.client.getAccessToken()}` },
    });
    if (!response.ok) throw new Error(`downloading ${file.url} answered ${response.status}`);
    return decryptAttachment(Buffer.from(await response.arrayBuffer()), file);
  }

  // Stops syncing and frees the crypto machine.
  stop() {
    this.client.stopClient();
  }
}

// Logs `user` (a localpart or user ID) in with `password` on a new device, sets up Rust crypto
// in memory (sharing room keys with unverified devices too), starts syncing and resolves once
// the first sync is processed.
export async function startPeer({ baseUrl, ca, user, password = 'password', deviceName, timeoutMs = 30000 }) {
  const fetchFn = fetchTrusting(ca);
  const login = await createClient({ baseUrl, fetchFn }).loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user },
    password,
    initial_device_display_name: deviceName ?? `${user} (matrix-js-sdk)`,
  });
  const client = createClient({
    baseUrl,
    fetchFn,
    logger: peerLogger(`[${login.user_id}]`),
    userId: login.user_id,
    deviceId: login.device_id,
    accessToken: login.access_token,
  });
  await client.initRustCrypto({ useIndexedDB: false });
  // initRustCrypto turns the Rust side's debug tracing on; keep it as quiet as the SDK's.
  if (logLevel !== 'debug') new Tracing(LoggerLevel.Error).turnOn();
  // The default, stated: room keys go to unverified devices (test peers verify nobody).
  client.getCrypto().globalBlacklistUnverifiedDevices = false;
  const prepared = new Promise((resolve, reject) => {
    client.on(ClientEvent.Sync, (state, previous, data) => {
      if (state === 'PREPARED') resolve();
      if (state === 'ERROR' && !previous) reject(data?.error ?? new Error('first sync failed'));
    });
  });
  await client.startClient({ initialSyncLimit: 20 });
  await Promise.race([
    prepared,
    sleep(timeoutMs).then(() => { throw new Error(`${login.user_id} did not finish its first sync`); }),
  ]);
  return new Peer(client, fetchFn);
}
