// The web view in Debian's Chromium, headless: a store filled by the demo and by two years of
// generated incidents, served by `scribe serve`. Every page loads with no console error and
// no request leaving the host, charts carry their text alternatives, screenshots are not
// blank, filters and downloads work, and the security rules hold.
//
// node browser_test.mjs <scribe> <scribe-history> [screenshot folder]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const [scribe, historyTool, screenshotDir] = process.argv.slice(2);
if (!scribe || !historyTool) {
  console.error('usage: node browser_test.mjs <scribe> <scribe-history> [screenshot folder]');
  process.exit(2);
}
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'scribe-browser-'));
const db = join(work, 'scribe.db');
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};

// A clean environment: no proxy between the browser and the loopback server.
const env = { ...process.env };
for (const name of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) {
  delete env[name];
}

function run(args, input) {
  return execFileSync(scribe, ['--db', db, ...args], { env, input, stdio: ['pipe', 'pipe', 'pipe'] });
}

// Starts `scribe serve`; resolves with its base URL once it says where it listens.
function serve(extraEnv, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(scribe, ['--db', db, 'serve', '--port', '0', ...args], {
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const found = seen.match(/on (http:\/\/[^\s]+\/)/);
      if (found) resolve({ child, base: found[1].replace('0.0.0.0', '127.0.0.1') });
    });
    child.on('exit', (code) => reject(new Error(`scribe serve exited with ${code}: ${seen}`)));
  });
}

// The share of pixels unlike the top-left one, measured in a blank page of its own.
async function inkShare(browser, png) {
  const page = await browser.newPage();
  try {
    await page.setContent('<canvas></canvas>');
    return await page.evaluate(async (data) => {
      const image = new Image();
      image.src = `data:image/png;base64,${data}`;
      await image.decode();
      const canvas = document.querySelector('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const pixels = context.getImageData(0, 0, image.width, image.height).data;
      let different = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (Math.abs(pixels[i] - pixels[0]) + Math.abs(pixels[i + 1] - pixels[1]) +
            Math.abs(pixels[i + 2] - pixels[2]) > 30) different++;
      }
      return different / (pixels.length / 4);
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}

// Opens a page of the server, watching for console errors, script dialogs and any request
// that leaves it; returns the page and the main response.
async function open(browser, base, path, problems) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.setRequestInterception(true);
  const origin = new URL(base).origin;
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== origin && !request.url().startsWith('data:')) {
      problems.push(`${path}: a request left the host: ${request.url()}`);
      request.abort();
    } else {
      request.continue();
    }
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${path}: console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${path}: page error: ${error.message}`));
  page.on('dialog', async (dialog) => {
    problems.push(`${path}: a script opened a dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
  const response = await page.goto(base + path.replace(/^\//, ''), { waitUntil: 'load' });
  return { page, response };
}

let readers = [];
let browser;
try {
  // The store: the demo incident, then two years of generated ones beside it.
  run(['demo', '--out', join(work, 'demo')]);
  const history = execFileSync(historyTool, ['300', '2'], { env, maxBuffer: 1 << 28 });
  writeFileSync(join(work, 'history.jsonl'), history);
  run(['import', join(work, 'history.jsonl')]);
  const listed = run(['list', '--format', 'json']).toString();
  const incidents = JSON.parse(listed);
  check(incidents.length === 301, `the store holds the demo and 300 generated incidents (${incidents.length})`);
  const injected = incidents.find((i) => i.title.includes('<script>'));
  check(Boolean(injected), 'one incident has markup in its title');

  const local = await serve({ SCRIBE_WEB_SHOW_SECURITY: 'true' });
  readers.push(local.child);
  browser = await puppeteer.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions'],
  });

  const pages = ['/', '/?sev=sev1&status=closed', '/incidents/1', `/incidents/${injected.id}`,
                 '/actions', '/actions?state=all', '/trends', '/trends?by=week'];
  for (const path of pages) {
    const problems = [];
    const { page, response } = await open(browser, local.base, path, problems);
    check(response.status() === 200, `${path} answers 200 (${response.status()})`);
    const policy = response.headers()['content-security-policy'] || '';
    check(policy.includes("default-src 'none'"), `${path} carries a strict Content-Security-Policy`);
    const png = await page.screenshot({ fullPage: true, type: 'png' });
    const ink = await inkShare(browser, png);
    check(ink > 0.02, `${path} screenshot is not blank (${(ink * 100).toFixed(1)}% ink)`);
    check(await page.evaluate(() => document.scripts.length === 0), `${path} runs no script`);
    check(problems.length === 0, `${path}: no console error, dialog or outside request ${problems.join('; ')}`);
    await page.close();
  }

  // Charts: each an image with a title and a description, a table and a CSV beside it.
  {
    const problems = [];
    const { page } = await open(browser, local.base, '/trends', problems);
    const charts = await page.$$eval('figure.trend', (figures) => figures.map((f) => {
      const svg = f.querySelector('svg[role="img"]');
      const ids = (svg?.getAttribute('aria-labelledby') || '').split(' ');
      return {
        id: f.id,
        title: ids[0] ? document.getElementById(ids[0])?.textContent : '',
        desc: ids[1] ? document.getElementById(ids[1])?.textContent : '',
        marks: svg ? svg.querySelectorAll('rect, circle').length : 0,
        table: Boolean(f.querySelector('table')),
        csv: f.querySelector('a[download]')?.getAttribute('href'),
      };
    }));
    check(charts.length === 9, `the trends page has nine charts (${charts.length})`);
    for (const c of charts) {
      check(c.title && c.desc && c.desc.includes(' to '), `chart ${c.id} has a title and a text alternative`);
      check(c.marks > 10 && c.table, `chart ${c.id} has marks and a table`);
      const csv = await fetch(local.base + c.csv.replace(/^\//, ''));
      const text = await csv.text();
      check(csv.status === 200 && text.startsWith('period,') && text.split('\r\n').length > 20,
            `chart ${c.id} downloads as CSV`);
    }
    if (screenshotDir) {
      mkdirSync(screenshotDir, { recursive: true });
      await page.setViewport({ width: 960, height: 1180 });
      await page.screenshot({ path: join(screenshotDir, 'trends.png'), clip: { x: 0, y: 0, width: 960, height: 1180 } });
    }
    await page.close();
  }

  // Filters: the form narrows the table and the URL says how.
  {
    const problems = [];
    const { page } = await open(browser, local.base, '/', problems);
    await page.select('select[name="sev"]', 'sev2');
    await page.select('select[name="status"]', 'closed');
    await Promise.all([page.waitForNavigation(), page.click('form.filters button[type="submit"]')]);
    const url = new URL(page.url());
    check(url.searchParams.get('sev') === 'sev2', 'the severity filter goes into the URL');
    const badges = await page.$$eval('table.incidents .sev', (cells) => cells.map((c) => c.textContent));
    check(badges.length > 0 && badges.every((b) => b === 'SEV2'), `the table holds SEV2 incidents only (${badges.length})`);
    const csvLink = await page.$eval('a[href^="/incidents.csv"]', (a) => a.getAttribute('href'));
    const csv = await fetch(local.base + csvLink.replace(/^\//, ''));
    const rows = (await csv.text()).trim().split('\r\n');
    check(csv.headers.get('content-disposition')?.includes('attachment') &&
          rows.slice(1).every((row) => row.includes(',sev2,closed,')),
          `the filtered CSV download holds the same incidents (${rows.length - 1})`);
    await page.close();
  }

  // One incident: its downloads, and markup from chat kept as text.
  {
    const problems = [];
    const { page } = await open(browser, local.base, `/incidents/${injected.id}`, problems);
    const heading = await page.$eval('h1', (h) => h.textContent);
    check(heading.includes("<script>alert('x')</script>"), 'a <script> in a title stays text');
    const links = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
    check(!links.some((href) => href && href.toLowerCase().startsWith('javascript:')), 'a javascript: link from chat is not a link');
    for (const name of ['postmortem.md', 'postmortem.html', 'agenda.md', 'incident.json']) {
      const answer = await fetch(`${local.base}incidents/${injected.id}/${name}`);
      const body = await answer.text();
      check(answer.status === 200 && answer.headers.get('content-disposition')?.includes('attachment') && body.length > 200,
            `the ${name} download works`);
    }
    await page.close();
  }

  // The action items page, for the README.
  if (screenshotDir) {
    const problems = [];
    const { page } = await open(browser, local.base, '/actions', problems);
    await page.setViewport({ width: 960, height: 900 });
    await page.screenshot({ path: join(screenshotDir, 'actions.png'), clip: { x: 0, y: 0, width: 960, height: 900 } });
    await page.close();
  }

  // !security incidents are hidden unless shown by configuration.
  {
    const hidden = await serve({});
    readers.push(hidden.child);
    const list = await (await fetch(hidden.base)).text();
    check(list.includes('flagged with !security and not shown'), 'incidents flagged !security are hidden by default');
    check((await fetch(`${hidden.base}incidents/1`)).status === 404, 'the demo incident (flagged !security) is not served');
  }

  // Beyond loopback: nothing without the token; the login form sets a secure, HTTP-only cookie.
  {
    const token = 'browser-test-token-0123456789';
    const remote = await serve({ SCRIBE_WEB_TOKEN: token, SCRIBE_WEB_SHOW_SECURITY: 'true' }, ['--address', '0.0.0.0']);
    readers.push(remote.child);
    const refused = await fetch(remote.base, { redirect: 'manual' });
    check(refused.status === 401, `an unauthenticated request is refused (${refused.status})`);
    const bearer = await fetch(remote.base, { headers: { authorization: `Bearer ${token}` } });
    check(bearer.status === 200, 'the bearer token is accepted');
    const problems = [];
    const { page } = await open(browser, remote.base, '/trends', problems);
    check(new URL(page.url()).pathname === '/login', 'a browser is sent to the login form');
    await page.type('input[name="token"]', 'not-the-token');
    await Promise.all([page.waitForNavigation(), page.click('form.login button')]);
    check((await page.content()).includes('not the access token'), 'a wrong token is told so');
    await page.type('input[name="token"]', token);
    await Promise.all([page.waitForNavigation(), page.click('form.login button')]);
    check(new URL(page.url()).pathname === '/trends', `the login returns to the page asked for (${page.url()})`);
    const cookies = await page.cookies();
    const session = cookies.find((c) => c.name === 'scribe_session');
    check(session && session.httpOnly && session.secure && session.sameSite === 'Strict',
          'the session cookie is secure, HTTP-only and same-site');
    check(problems.length === 0, `login pages: no console error ${problems.join('; ')}`);
    await page.close();
  }
} catch (error) {
  failures.push(`the run stopped: ${error.stack || error}`);
  console.log(`FAIL ${error.stack || error}`);
} finally {
  if (browser) await browser.close();
  for (const child of readers) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('all browser checks passed');
