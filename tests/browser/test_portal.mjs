// test_portal.mjs: a customer uses the portal in chromium at 360 px wide: finds the fix for
// the charger with the keyboard (MAC in another spelling), downloads it (the file's sha256 is
// the catalog's), answers the feedback question (then in `fwhub audit`); a wrong serial and
// an unknown MAC give the same neutral page; a changelog with <script> is shown as text.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plan, run, ok, equal, tempDir, fwhubOk, serve, browser, screenshot } from './lib.mjs';

const FIX_MAC = 'AB:CD:EF:12:34:56';
const XSS_MAC = '22:22:33:44:55:01';
const GEN_MAC = '11:22:33:44:55:66';
const WIDTH = 360;

// A repository built with the command line, as an operator would.
function makeRepo(dir) {
    const repo = join(dir, 'repo');
    const src = join(dir, 'src');
    mkdirSync(repo);
    mkdirSync(src);
    const file = (name, bytes) => {
        const p = join(src, name);
        writeFileSync(p, randomBytes(bytes));
        return p;
    };
    const fw = (...args) => fwhubOk(['--repo', repo, ...args]);
    fw('release', 'add', '--model', 'EVSE', '--version', '10.2.0', '--firmware',
        file('EVSE_10_2_0.bin', 30000), '--changelog', 'stable');
    fw('release', 'add', '--model', 'EVSE', '--version', '10.3.0', '--firmware',
        file('EVSE_10_3_0.bin', 40000), '--changelog', 'newer');
    writeFileSync(join(src, 'devices.csv'), 'mac,serial,model,customer\n' +
        `${FIX_MAC},EVSE-2024-001234,EVSE,Jane Secretname\n` +
        `${XSS_MAC},EVSE-2024-000666,EVSE,Eve\n` +
        `${GEN_MAC},EVSE-2024-000002,EVSE,Joe\n`);
    fw('devices', 'import', join(src, 'devices.csv'));
    fw('target', 'create', '--mac', FIX_MAC, '--issue', 'TICKET-SECRET-9', '--version',
        '10.3.1-custom', '--model', 'EVSE', '--firmware', file('EVSE_10_3_1_custom.bin', 150000),
        '--expires', '2030-01-01', '--auto-rollback', '--fix', 'Relay timing under load',
        '--fix', 'Display flicker', '--changelog', 'Relay switches 20 ms later',
        '--support-contact', 'support@example.com');
    fw('target', 'create', '--mac', XSS_MAC, '--issue', 'T-2', '--version', '10.3.2-x',
        '--model', 'EVSE', '--firmware', file('xss.bin', 1000), '--days', '20',
        '--changelog', '<script>window.pwned = 1; document.title = "pwned"</script> & more',
        '--fix', '<img src=x onerror="window.pwned = 2">');
    return repo;
}

// The sha256 the catalog gives for the target of mac.
function catalogSha(repo, macFile) {
    const t = JSON.parse(readFileSync(join(repo, 'targeted', `${macFile}.json`), 'utf8'));
    return t.devices[0].security.checksum.replace(/^sha256:/, '');
}

async function noSideways(page) {
    return page.evaluate(() => document.documentElement.scrollWidth);
}

const outlines = []; // the focus outline of the first field, each time it is reached by Tab

// Fills the form with the mouse-free path: Tab into each field, type, Enter.
async function lookupByKeyboard(page, base, mac, serial) {
    await page.goto(`${base}/`);
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement.id);
    outlines.push(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle));
    await page.keyboard.type(mac);
    await page.keyboard.press('Tab');
    const second = await page.evaluate(() => document.activeElement.id);
    await page.keyboard.type(serial);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    return [first, second];
}

async function lookup(page, base, mac, serial) {
    await page.goto(`${base}/`);
    await page.getByLabel('MAC address').fill(mac);
    await page.getByLabel('Serial number').fill(serial);
    const [res] = await Promise.all([page.waitForNavigation(),
        page.getByRole('button', { name: 'Look up' }).click()]);
    return res;
}

plan(34);
await run(async () => {
    const dir = tempDir();
    const repo = makeRepo(dir);
    const srv = await serve(repo, ['--portal-rate', '0']);
    const { context } = await browser({ viewport: { width: WIDTH, height: 800 } });
    const page = await context.newPage();
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });

    // the form
    const res = await page.goto(`${srv.base}/`);
    equal(res.status(), 200, 'the form: 200');
    ok(await page.getByLabel('MAC address').isVisible(), 'the form: a labelled MAC field');
    ok(await page.getByLabel('Serial number').isVisible(), 'the form: a labelled serial field');
    ok(await noSideways(page) <= WIDTH, 'the form: no sideways scrolling at 360 px');
    await screenshot(page, 'portal-form');

    // the fix, with the keyboard only and the MAC in another spelling
    const focus = await lookupByKeyboard(page, srv.base, 'ab-cd-ef-12-34-56', 'evse-2024-001234');
    equal(focus.join(' '), 'mac serial', 'keyboard: Tab reaches the MAC, then the serial field');
    ok(outlines.length === 1 && outlines[0] !== 'none', 'keyboard: the focused field is outlined',
        outlines.join(','));
    equal(await page.locator('h1').textContent(), 'A firmware fix for your charger',
        'keyboard: Enter submits; the fix is shown');
    equal(await page.locator('#version').textContent(), 'Version 10.3.1-custom',
        'fix: its version');
    equal(await page.locator('#changelog').textContent(), 'Relay switches 20 ms later',
        'fix: its changelog');
    ok((await page.locator('#fixes li').allTextContents()).join('|') ===
        'Relay timing under load|Display flicker', 'fix: each fix_description item');
    ok((await page.locator('ol li').count()) >= 2, 'fix: installation and verification steps');
    ok((await page.locator('#expiry').textContent()).includes('2030-01-01'),
        'fix: the expiry date');
    ok(/\(\d+ days left\)/.test(await page.locator('#expiry').textContent()),
        'fix: the days left');
    ok((await page.locator('#rollback').textContent()).includes('10.3.0'),
        'fix: the stable version to go back to');
    ok((await page.locator('#support').textContent()).includes('support@example.com'),
        'fix: the support contact');
    ok(!(await page.content()).includes('Jane Secretname'), 'fix: no customer name');
    ok(await noSideways(page) <= WIDTH, 'fix: no sideways scrolling at 360 px');
    const box = await page.locator('#download').boundingBox();
    ok(box && box.x >= 0 && box.x + box.width <= WIDTH, 'fix: the download button fits');
    await screenshot(page, 'portal-fix');

    // the download
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const got = createHash('sha256').update(readFileSync(await dl.path())).digest('hex');
    equal(got, catalogSha(repo, 'AB_CD_EF_12_34_56'),
        "download: the file's sha256 is the catalog's checksum");
    equal(dl.suggestedFilename(), 'EVSE_10_3_1_custom.bin', 'download: the image file name');

    // feedback, below the download button
    await page.getByLabel('No, the problem is still there').check();
    await page.getByLabel('Comment (optional)').fill('Still trips at 16 A <b>sometimes</b>');
    await Promise.all([page.waitForNavigation(),
        page.getByRole('button', { name: 'Send answer' }).click()]);
    equal(await page.locator('h1').textContent(), 'Thank you', 'feedback: thanks page');
    ok((await page.locator('#thanks').textContent()).includes('support@example.com'),
        'feedback: "not solved" names the support contact');
    await screenshot(page, 'portal-feedback');
    const fb = fwhubOk(['--repo', repo, 'audit', '--event', 'portal.feedback', '--json']).stdout;
    const rec = JSON.parse(fb).pop();
    ok(rec && rec.result === 'not_solved' && rec.subject_mac === FIX_MAC &&
        rec.target_version === '10.3.1-custom', 'feedback: a portal.feedback record in fwhub audit');
    equal(rec && rec.detail, 'Still trips at 16 A <b>sometimes</b>', 'feedback: with the comment');

    // the neutral page: a wrong serial, an unknown MAC
    const wrong = await lookup(page, srv.base, FIX_MAC, 'EVSE-2024-999999');
    equal(wrong.status(), 200, 'wrong serial: 200');
    equal(await page.locator('h1').textContent(), 'No update found', 'wrong serial: neutral page');
    const wrongBody = await wrong.text();
    await screenshot(page, 'portal-neutral');
    const unknown = await lookup(page, srv.base, 'AB:CD:EF:12:34:57', 'EVSE-2024-001234');
    equal(await unknown.text(), wrongBody, 'unknown MAC: byte for byte the same page');

    // markup in the repository is text
    await lookup(page, srv.base, XSS_MAC, 'EVSE-2024-000666');
    ok((await page.locator('#changelog').textContent()).startsWith('<script>window.pwned'),
        'markup: the changelog shows <script> as text');
    ok((await page.locator('#fixes li').textContent()).startsWith('<img'),
        'markup: the fix description shows <img> as text');
    const ran = await page.evaluate(() => window.pwned);
    ok(ran === undefined && (await page.title()) !== 'pwned' && dialogs.length === 0,
        'markup: no script ran');
    await screenshot(page, 'portal-escaped');

    // a general release; a wrong MAC typed
    await lookup(page, srv.base, GEN_MAC, 'EVSE-2024-000002');
    equal(await page.locator('#version').textContent(), 'Version 10.3.0',
        'general: the newest release of the model');
    await screenshot(page, 'portal-general');
    const bad = await lookup(page, srv.base, 'AB:CD:EF:12:34', 'x');
    equal(bad.status(), 400, 'a bad MAC: 400 with the form');
    ok((await page.locator('[role=alert]').textContent()).includes('MAC address'),
        'a bad MAC: the message names the field');
    await screenshot(page, 'portal-error');

    // the same fix page on a desktop
    const desk = await context.browser().newContext({ viewport: { width: 1280, height: 900 } });
    const wide = await desk.newPage();
    await lookup(wide, srv.base, 'abcdef123456', 'EVSE-2024-001234');
    ok(await wide.locator('#download').isVisible(), 'desktop: the fix page with its download');
    await screenshot(wide, 'portal-fix-desktop');
    await desk.close();
});
