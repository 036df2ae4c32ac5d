// Two, then three, matrix-js-sdk peers with Rust crypto talk in an encrypted room on the fake
// homeserver: each decrypts what the others send (texts, a reaction, an edit, a redaction, an
// encrypted file), a message whose room key the fake holds back stays undecryptable until it is
// let through, and a user who joins later gets the keys of what is sent after. This proves
// the fake's key upload, query and claim, to-device delivery and device lists against an
// independent client.
//
// node peers_test.mjs <fake-matrix>     (or FAKE_MATRIX=<fake-matrix> node peers_test.mjs)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, startFakeMatrix, startPeer } from './peer.mjs';

const binary = process.argv[2] || process.env.FAKE_MATRIX;
if (!binary) {
  console.error('usage: node peers_test.mjs <fake-matrix>');
  process.exit(2);
}
const overallMs = 180000;
const work = mkdtempSync(join(tmpdir(), 'scribe-e2ee-'));
let fake;
const peers = [];

async function shutDown() {
  for (const peer of peers) peer.stop();
  await fake?.stop();
  rmSync(work, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.error(`FAIL the whole test took longer than ${overallMs / 1000} s`);
  await shutDown();
  process.exit(1);
}, overallMs);

async function main() {
  const verbose = process.env.FAKE_MATRIX_VERBOSE ? ['--verbose'] : [];
  fake = await startFakeMatrix(binary, { args: ['--user', 'carol', ...verbose], caFile: join(work, 'ca.pem') });
  const server = { baseUrl: fake.homeserver_url, ca: fake.ca };
  const alice = await startPeer({ ...server, user: 'alice' });
  peers.push(alice);
  const bob = await startPeer({ ...server, user: 'bob' });
  peers.push(bob);
  check(alice.deviceId !== bob.deviceId, 'alice and bob are logged in on devices of their own');

  const room = await alice.createEncryptedRoom({ name: 'E2EE peers', invite: [bob.userId] });
  check(await bob.waitForInvite({ from: alice.userId }) === room, 'bob is invited to the encrypted room');
  await bob.join(room);
  await alice.waitForMembership(room, bob.userId, 'join');
  check(true, 'bob joined and both know the room is encrypted');

  const hello = await alice.sendText(room, 'hello bob');
  const seen = await bob.waitForText(room, alice.userId, 'hello bob');
  check(seen.getId() === hello && seen.getWireType() === 'm.room.encrypted',
    'bob decrypts the m.room.encrypted text alice sent');

  // Alice's client recognised the server's echo of her own message (unsigned.transaction_id).
  const own = await alice.waitForEvent(room, (event) => event.getId() === hello && event.status === null,
    { what: 'alice\'s own message echoed back' });
  check(own.getUnsigned().transaction_id !== undefined &&
    alice.client.getRoom(room).getLiveTimeline().getEvents().filter((event) => event.getId() === hello).length === 1,
  'alice\'s own message is in her timeline once, matched to its transaction');

  const reply = await bob.sendText(room, 'hi alice');
  await alice.waitForText(room, bob.userId, 'hi alice');
  check(true, 'alice decrypts bob\'s answer');

  // matrix-js-sdk sends reactions in the clear even in encrypted rooms, as Element does: the
  // relation is visible to the server anyway.
  const reaction = await alice.react(room, reply, '👍');
  const reacted = await bob.waitForEvent(room, (event) => event.getType() === 'm.reaction' &&
    event.getSender() === alice.userId && event.getContent()['m.relates_to']?.key === '👍' &&
    event.getContent()['m.relates_to']?.event_id === reply, { what: 'alice\'s reaction' });
  check(reacted.getId() === reaction, 'bob sees alice\'s reaction to his message');

  const edit = await alice.edit(room, hello, 'hello bob, edited');
  const edited = await bob.waitForMessage(room,
    (content) => content['m.relates_to']?.rel_type === 'm.replace' &&
      content['m.new_content']?.body === 'hello bob, edited',
    { sender: alice.userId });
  check(edited.getId() === edit, 'bob decrypts alice\'s edit');
  await bob.waitForEvent(room, (event) => event.getId() === hello &&
    event.getContent().body === 'hello bob, edited', { what: 'the edit applied to the original' });
  check(true, 'bob shows the original with the edited text');

  const doomed = await bob.sendText(room, 'typo here');
  await alice.waitForText(room, bob.userId, 'typo here');
  await bob.redact(room, doomed, 'typo');
  await alice.waitForEvent(room, (event) => event.getId() === doomed && event.isRedacted(),
    { what: 'bob\'s message redacted' });
  check(true, 'alice sees bob\'s message redacted');

  const draft = Buffer.from('# Postmortem draft\n\nImpact: none, this is a test.\n\u0000\u00ff binary tail');
  const fileEvent = await bob.sendFile(room, { name: 'draft.md', bytes: draft, mimetype: 'text/markdown' });
  const fileSeen = await alice.waitForMessage(room, (content) => content.msgtype === 'm.file',
    { sender: bob.userId });
  check(fileSeen.getId() === fileEvent && !fileSeen.getOriginalContent().url,
    'alice decrypts an m.file that carries only an EncryptedFile');
  const downloaded = await alice.downloadAttachment(fileSeen);
  check(downloaded.equals(draft), 'alice downloads and decrypts the attachment byte for byte');

  // A room key that does not arrive: bob cannot decrypt until the fake lets it through.
  const second = await alice.createEncryptedRoom({ name: 'Lost keys', invite: [bob.userId] });
  await bob.join(second);
  await alice.waitForMembership(second, bob.userId, 'join');
  await fake.command('hold bob m.room.encrypted');
  await alice.sendText(second, 'the key to this is late');
  await bob.waitForUndecryptable(second, alice.userId);
  check(true, 'bob cannot decrypt while the fake holds back the room key');
  check(await fake.command('release') === 'released 1', 'the fake held back one to-device message');
  await bob.waitForText(second, alice.userId, 'the key to this is late');
  check(true, 'bob decrypts once the room key arrives');

  // A third user joins later: messages sent after her join are shared with her device.
  const carol = await startPeer({ ...server, user: 'carol' });
  peers.push(carol);
  await alice.invite(room, carol.userId);
  check(await carol.waitForInvite({ from: alice.userId }) === room, 'carol is invited later');
  await carol.join(room);
  await alice.waitForMembership(room, carol.userId, 'join');
  await bob.waitForMembership(room, carol.userId, 'join');
  await alice.sendText(room, 'welcome carol');
  await carol.waitForText(room, alice.userId, 'welcome carol');
  await bob.waitForText(room, alice.userId, 'welcome carol');
  check(true, 'carol and bob decrypt what alice sent after carol joined');
  await bob.sendText(room, 'hi carol');
  await carol.waitForText(room, bob.userId, 'hi carol');
  await carol.sendText(room, 'thanks both');
  await alice.waitForText(room, carol.userId, 'thanks both');
  await bob.waitForText(room, carol.userId, 'thanks both');
  check(true, 'carol and the others decrypt each other both ways');
}

try {
  await main();
  await shutDown();
  clearTimeout(watchdog);
  console.log('all checks passed');
  process.exit(0);
} catch (error) {
  console.error(`FAIL ${error.stack || error}`);
  await shutDown();
  process.exit(1);
}
