// The benchmark's peer: the work Scribe does for the benchmark's mix, on Bolt for JavaScript in
// Socket Mode, written the way Bolt's documentation shows. Timeline commands are stored in
// SQLite (better-sqlite3, WAL, synchronous=FULL like Scribe) and answered with say().
//
// Bolt acknowledges Events API envelopes itself as they arrive, before any listener runs
// ("Events API requests are acknowledged right away"), so the peer's ack latency does not
// include its commit; its reply latency does.
//
// Environment: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_API_URL (the fake's base URL),
// PEER_DB (the SQLite file), NODE_EXTRA_CA_CERTS (the fake's CA).
const { App, LogLevel } = require('@slack/bolt');
const Database = require('better-sqlite3');

const db = new Database(process.env.PEER_DB);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY, channel TEXT NOT NULL, title TEXT NOT NULL,
    severity TEXT NOT NULL, open INTEGER NOT NULL DEFAULT 1);
  CREATE TABLE IF NOT EXISTS entries (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    channel TEXT NOT NULL, ts TEXT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL,
    kind TEXT NOT NULL, UNIQUE (channel, ts));
`);
const openIncident = db.prepare(
  'SELECT id, title FROM incidents WHERE channel = ? AND open = 1 ORDER BY id DESC LIMIT 1');
const declare = db.prepare('INSERT INTO incidents (channel, title, severity) VALUES (?, ?, ?)');
const record = db.prepare(
  'INSERT INTO entries (incident_id, channel, ts, author, text, kind) VALUES (?, ?, ?, ?, ?, ?) ' +
  'ON CONFLICT (channel, ts) DO NOTHING');
const setSeverity = db.prepare('UPDATE incidents SET severity = ? WHERE id = ?');

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  appToken: process.env.SLACK_APP_TOKEN,
  socketMode: true,
  logLevel: LogLevel.WARN,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});

// Recent messages by channel and ts, so a pin needs no API call (Scribe keeps the same).
const recent = new Map();
function remember(message) {
  recent.set(`${message.channel}/${message.ts}`, message);
  if (recent.size > 5000) recent.delete(recent.keys().next().value);
}

function time(ts) {
  return new Date(Number(ts) * 1000).toISOString().slice(11, 16);
}

app.message(/^!declare (.+)$/s, async ({ message, context, say }) => {
  const [, rest] = context.matches;
  const open = openIncident.get(message.channel);
  if (open) {
    await say(`Incident #${open.id} "${open.title}" is still open in this channel`);
    return;
  }
  const severity = (rest.match(/\bsev([1-4])$/) || [null, '3'])[1];
  const title = rest.replace(/\s*\bsev[1-4]$/, '');
  const { lastInsertRowid } = declare.run(message.channel, title, `sev${severity}`);
  await say(`Incident #${lastInsertRowid} declared at ${time(message.ts)}: "${title}", SEV${severity}`);
});

app.message(/^!tl (.+)$/s, async ({ message, context, say }) => {
  const open = openIncident.get(message.channel);
  if (!open) {
    await say('There is no open incident in this channel');
    return;
  }
  const [, text] = context.matches;
  const { changes } = record.run(open.id, message.channel, message.ts, message.user, text, 'note');
  if (changes === 1) await say(`#${open.id} at ${time(message.ts)}: "${text}"`);
});

app.message(/^!sev ([1-4])$/, async ({ message, context, say }) => {
  const open = openIncident.get(message.channel);
  if (!open) {
    await say('There is no open incident in this channel');
    return;
  }
  setSeverity.run(`sev${context.matches[1]}`, open.id);
  await say(`Incident #${open.id}: severity is now SEV${context.matches[1]}`);
});

app.message(async ({ message }) => {
  if (message.subtype === undefined) remember(message);
});

app.event('reaction_added', async ({ event, say }) => {
  if (event.reaction !== 'pushpin' || event.item.type !== 'message') return;
  const pinned = recent.get(`${event.item.channel}/${event.item.ts}`);
  const open = openIncident.get(event.item.channel);
  if (!pinned || !open) return;
  const { changes } = record.run(open.id, event.item.channel, `pin:${event.item.ts}`, pinned.user,
                                 pinned.text, 'pinned');
  if (changes === 1) await say({ channel: event.item.channel, text: `#${open.id} pinned: "${pinned.text}"` });
});

(async () => {
  await app.start();
  console.log('peer ready');
})();

process.on('SIGTERM', async () => {
  await app.stop();
  db.close();
  process.exit(0);
});
