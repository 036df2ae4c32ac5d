// Scribe in an end-to-end encrypted room, with matrix-js-sdk users (Rust crypto, as Element)
// on the fake homeserver: an incident after the seeds' database outage (a firewall change
// blocked the database port) from the declaration to the encrypted postmortem. Every command is
// answered and every answer decrypts; pins and edits work; Scribe restarts mid-incident and
// loses nothing; an encrypted room of its own opens for the incident; a member who joins later
// reads its answers; its room session rotates as the room says and the peers follow; a lost room
// key is asked for and the message answered when it comes; a key that never arrives gets a
// notice naming the sender and the time.
//
// node scribe_test.mjs <fake-matrix> <scribe>
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, startFakeMatrix, startPeer, waitUntil } from './peer.mjs';

const [fakeBinary, scribeBinary] = process.argv.slice(2);
if (!fakeBinary || !scribeBinary) {
  console.error('usage: node scribe_test.mjs <fake-matrix> <scribe>');
  process.exit(2);
}
const overallMs = 300000;
const botToken = 'syt_c2NyaWJl_e2ee_test_token';
const work = mkdtempSync(join(tmpdir(), 'scribe-e2ee-'));
let fake;
let scribe;
const peers = [];
let scribeLog = '';

async function shutDown() {
  for (const peer of peers) peer.stop();
  if (scribe && scribe.exitCode === null) scribe.kill('SIGKILL');
  await fake?.stop();
  rmSync(work, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.error(`FAIL the whole test took longer than ${overallMs / 1000} s\n${scribeLog}`);
  await shutDown();
  process.exit(1);
}, overallMs);

// `scribe run` against the fake, its keys sealed with a key file, waiting 4 s for late keys.
function startScribe(inviter) {
  const keyFile = join(work, 'crypto-key');
  writeFileSync(keyFile, 'a secret that seals the keys of the e2ee test bot\n');
  chmodSync(keyFile, 0o600);
  const child = spawn(scribeBinary, ['--db', join(work, 'scribe.db'), 'run'], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: work,
      XDG_CONFIG_HOME: work,
      XDG_DATA_HOME: work,
      SCRIBE_MATRIX_HOMESERVER: fake.homeserver_url,
      SCRIBE_MATRIX_ACCESS_TOKEN: botToken,
      SCRIBE_MATRIX_ALLOWED_INVITERS: inviter,
      SCRIBE_MATRIX_CRYPTO_KEY_FILE: keyFile,
      SCRIBE_MATRIX_KEY_WAIT_SECONDS: '4',
      SCRIBE_MATRIX_INCIDENT_ROOMS: 'true',
      SCRIBE_TLS_CA_FILE: join(work, 'ca.pem'),
      SCRIBE_LOG_LEVEL: process.env.SCRIBE_LOG_LEVEL || 'info',
    },
  });
  child.stdout.on('data', (chunk) => { scribeLog += chunk; });
  child.stderr.on('data', (chunk) => { scribeLog += chunk; });
  return child;
}

async function stopScribe() {
  const exited = new Promise((resolve) => scribe.once('exit', (code) => resolve(code)));
  scribe.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 20000))]);
  check(code === 0, `scribe stops on SIGTERM with status 0 (got ${code})`);
}

async function main() {
  fake = await startFakeMatrix(fakeBinary, {
    args: ['--user', 'carol', '--bot-token', botToken],
    caFile: join(work, 'ca.pem'),
  });
  const server = { baseUrl: fake.homeserver_url, ca: fake.ca };
  const bot = fake.bot_user_id;
  const serverName = bot.slice(bot.indexOf(':') + 1);
  const aliceId = `@alice:${serverName}`;
  scribe = startScribe(aliceId);

  const alice = await startPeer({ ...server, user: 'alice' });
  const bob = await startPeer({ ...server, user: 'bob' });
  peers.push(alice, bob);
  check(alice.userId === aliceId, 'alice is signed in');

  // A room that asks for a new session every 6 messages, so rotation happens within the test.
  const { room_id: room } = await alice.client.createRoom({
    preset: 'private_chat',
    visibility: 'private',
    name: 'Users cannot see new transactions',
    invite: [bob.userId, bot],
    initial_state: [{
      type: 'm.room.encryption',
      state_key: '',
      content: { algorithm: 'm.megolm.v1.aes-sha2', rotation_period_msgs: 6 },
    }],
  });
  await alice.waitForEncryptedRoom(room);
  await bob.waitForInvite({ from: aliceId });
  await bob.join(room);

  const fromBot = (peer, match, what) => peer.waitForMessage(room, match, { sender: bot, what, timeoutMs: 30000 });
  const greeting = await fromBot(alice, (c) => /Hello!/.test(c.body ?? ''), 'the greeting');
  check(greeting.getWireType() === 'm.room.encrypted', 'scribe joins the encrypted room and greets it encrypted');

  // Each command, and the decrypted answer to it (a reply to that very event).
  const answerTo = (peer, command, pattern) => fromBot(peer,
    (c) => c['m.relates_to']?.['m.in_reply_to']?.event_id === command && pattern.test(c.body ?? ''),
    `scribe's answer matching ${pattern}`);
  const say = async (peer, text, pattern) => {
    const command = await peer.sendText(room, text);
    const answer = await answerTo(alice, command, pattern);
    check(answer.isEncrypted() && !answer.isDecryptionFailure(), `${text.split('\n')[0]} -> ${pattern}`);
    return command;
  };

  const declared = await say(alice, '!declare Users cannot see new transactions sev2', /Incident #1 declared/);
  // matrix.incident_rooms: a room of its own, encrypted like this one, alice invited.
  const incidentRoom = await alice.waitForInvite({ from: bot });
  await alice.join(incidentRoom);
  check(incidentRoom !== room, 'the incident gets an encrypted room of its own, with alice invited');
  await fromBot(alice, (c) => c.body?.includes(`https://matrix.to/#/${incidentRoom}`), 'where the new room is');
  const warRoomCommand = await alice.sendText(incidentRoom, '!tl opened the war room');
  await alice.waitForMessage(incidentRoom, (c) =>
    c['m.relates_to']?.['m.in_reply_to']?.event_id === warRoomCommand && /opened the war room/.test(c.body ?? ''),
  { sender: bot, what: 'the answer in the incident room', timeoutMs: 30000 });
  check(true, 'scribe answers, encrypted, in the incident room it opened');
  await say(alice, `!role ic ${aliceId}`, /is ic/);
  await say(alice, '!detected customer -20m', /detected/);
  await say(alice, '!impact users logging in could not see any new transactions', /impact/i);

  // Bob's first message: the fake loses his room key to scribe. Scribe holds the message, asks
  // for the key (m.room_key_request), bob's client sends it again, and the message is answered.
  await fake.command('hold scribe m.room.encrypted bob');
  const late = await bob.sendText(room, '!tl the Data Sync service cannot connect to the UserHistory database');
  await answerTo(alice, late, /UserHistory database/);
  check(true, 'a message whose room key was lost is answered once scribe asked for the key and got it');

  // A pin, and an edit of an entry.
  const finding = await bob.sendText(room, 'port 1433 has been blocked by the firewall since the infrastructure change');
  await alice.react(room, finding, '📌');
  await fromBot(alice, (c) => /port 1433 has been blocked/.test(c.body ?? ''), 'the pin recorded');
  check(true, 'a 📌 reaction pins bob\'s encrypted message to the timeline');
  const typo = await say(alice, '!tl found the firewall rule chnage on the database host', /rule chnage/);
  await alice.edit(room, typo, '!tl found the firewall rule change on the database host');
  await fromBot(alice, (c) => c['m.relates_to']?.rel_type === 'm.replace' &&
    /rule change on the database host/.test(c['m.new_content']?.body ?? ''), 'the edited answer');
  check(true, 'editing an encrypted command corrects the entry and scribe edits its answer');

  await say(alice, '!sitrep\nstatus: unblocking port 1433\nimpact: no new transactions shown\nnext update: 30m',
    /Status: unblocking port 1433/);

  // A restart mid-incident. A message from before it is pinned after it: scribe fetches it
  // from the server, still encrypted, and opens it with the keys it kept.
  const beforeRestart = await bob.sendText(room, 'the UserHistory logs show refused connections on 1433');
  await stopScribe();
  scribe = startScribe(aliceId);
  await say(bob, '!tl port 1433 unblocked, Data Sync reconnecting', /Data Sync reconnecting/);
  check(true, 'after a restart scribe decrypts and answers with the keys it kept');
  await alice.react(room, beforeRestart, '📌');
  await fromBot(alice, (c) => /refused connections on 1433/.test(c.body ?? ''), 'the pin of an older message');
  check(true, 'a message from before the restart is pinned, decrypted with the kept keys');

  // Carol joins later: she reads scribe's answers from then on.
  const carol = await startPeer({ ...server, user: 'carol' });
  peers.push(carol);
  await alice.invite(room, carol.userId);
  await carol.waitForInvite({ from: aliceId });
  await carol.join(room);
  await alice.waitForMembership(room, carol.userId, 'join');
  const welcome = await alice.sendText(room, '!tl carol from the database team joined');
  const seenByCarol = await fromBot(carol,
    (c) => c['m.relates_to']?.['m.in_reply_to']?.event_id === welcome, 'the answer, as carol');
  check(!seenByCarol.isDecryptionFailure(), 'a member who joined later decrypts scribe\'s answers');

  // Carol's first message: her room key never reaches scribe, nor does the answer to its
  // request for it.
  for (let i = 0; i < 4; ++i) await fake.command('hold scribe m.room.encrypted carol');
  await carol.sendText(room, '!tl replica lag is back to normal');
  const notice = await fromBot(alice, (c) => /could not decrypt the message carol sent at \d{4}-\d\d-\d\dT/.test(c.body ?? ''),
    'the notice of an undecryptable message');
  check(/send it again/.test(notice.getContent().body), 'a message whose key never arrives gets a notice naming carol and the time');
  await fake.command('release');

  await say(alice, '!cause infrastructure a firewall change blocked port 1433, the database\'s default port', /cause/i);
  await say(alice, '!fix config unblocked port 1433 on the database host', /fix/i);
  await say(alice, '!mitigated', /status mitigated/);
  await say(alice, '!why the lower environments have no database on port 1433', /why #1/);
  await say(alice, `!action ${bob.userId} check that the database port is reachable before infrastructure changes`, /action for/);
  await say(alice, '!resolved', /status resolved/);
  const close = await alice.sendText(room, '!close');
  await answerTo(alice, close, /Incident #1 closed/);
  const files = await waitUntil('scribe\'s two encrypted attachments', async () => {
    const events = alice.client.getRoom(room).getLiveTimeline().getEvents().filter((e) =>
      e.getSender() === bot && e.isEncrypted() && !e.isDecryptionFailure() &&
      e.getContent().msgtype === 'm.file');
    return events.length >= 2 ? events : null;
  }, 30000);
  const draftEvent = files.find((e) => /postmortem/.test(e.getContent().body));
  check(draftEvent && !draftEvent.getContent().url && draftEvent.getContent().file?.url,
    'the postmortem is an encrypted attachment (file, no plain url)');
  const draft = (await alice.downloadAttachment(draftEvent)).toString('utf8');
  if (process.env.SCRIBE_TEST_SHOW_DRAFT) console.error(draft);
  check(/Users cannot see new transactions/.test(draft) && /port 1433/.test(draft) &&
    /rule change on the database host _\(edited [^)]*was: "found the firewall rule chnage/.test(draft),
  'alice decrypts the draft: title, the pinned finding, the corrected entry with what it was');
  check(/UserHistory database/.test(draft) && /Data Sync reconnecting/.test(draft) &&
    /refused connections on 1433/.test(draft),
    'the entries from before and after the restart are in the draft');

  // Nothing answered twice across the restart; scribe's sessions rotated and were followed.
  const timeline = alice.client.getRoom(room).getLiveTimeline().getEvents();
  const answersToDeclare = timeline.filter((e) => e.getSender() === bot &&
    e.getContent()['m.relates_to']?.['m.in_reply_to']?.event_id === declared);
  check(answersToDeclare.length === 1, 'the declaration was answered once');
  const sessions = new Set(timeline.filter((e) => e.getSender() === bot && e.isEncrypted())
    .map((e) => e.getWireContent().session_id));
  check(sessions.size >= 3, `scribe rotated its room session (${sessions.size} sessions, every 6 messages and at the restart)`);
  const aliceSessions = new Set(timeline.filter((e) => e.getSender() === aliceId && e.isEncrypted())
    .map((e) => e.getWireContent().session_id));
  check(aliceSessions.size >= 2, `scribe followed alice's rotated sessions (${aliceSessions.size})`);
  check(timeline.filter((e) => e.getSender() === bot && e.isDecryptionFailure()).length === 0,
    'alice decrypted every message scribe sent');

  await stopScribe();
}

main()
  .then(async () => {
    clearTimeout(watchdog);
    await shutDown();
    console.log('PASS scribe in an encrypted room');
    process.exit(0);
  })
  .catch(async (error) => {
    clearTimeout(watchdog);
    console.error(`FAIL ${error.message}\n--- scribe's log ---\n${scribeLog}`);
    await shutDown();
    process.exit(1);
  });
