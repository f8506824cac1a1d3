// test_admin.mjs: an admin signs in, creates a targeted fix by uploading an image through
// the form, sees it listed, the device API then offers it, a changelog holding <script> is
// shown as text, the report draws its charts, and the admin signs out. Screenshots:
// admin-signin, admin-targets, admin-target, admin-create, admin-releases, admin-audit,
// admin-report.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { plan, run, ok, equal, tempDir, fwhubOk, serve, browser, screenshot } from './lib.mjs';

const TOKEN = 'helpdesk-token-7f3a9c21d4e8b605';
const SCRIPT = '<script>window.__pwned = 1</script>Relay timing fixed';

function makeRepo(dir) {
    const repo = join(dir, 'repo');
    const src = join(dir, 'src');
    mkdirSync(src);
    for (const [v, n] of [['10.2.0', 90000], ['10.3.0', 80000]]) {
        writeFileSync(join(src, `v${v}.bin`), randomBytes(n));
        fwhubOk(['--repo', repo, 'release', 'add', '--model', 'EVSEPARKER_V2_GEN2', '--version',
            v, '--firmware', join(src, `v${v}.bin`), '--changelog', `release ${v}`]);
    }
    writeFileSync(join(src, 'devices.csv'), 'mac,serial,model,customer\n' +
        'AB:CD:EF:12:34:56,EVSE-2024-001234,EVSEPARKER_V2_GEN2,John Doe\n' +
        '24:0A:C4:3B:91:0C,EVSE-2024-000117,EVSEPARKER_V2_GEN2,Maria Rossi\n');
    fwhubOk(['--repo', repo, 'devices', 'import', join(src, 'devices.csv')]);
    writeFileSync(join(src, 'old.bin'), randomBytes(50000));
    fwhubOk(['--repo', repo, 'target', 'create', '--mac', 'AB:CD:EF:12:34:56', '--issue',
        'SUPPORT-2024-789', '--version', '10.3.1-custom', '--model', 'EVSEPARKER_V2_GEN2',
        '--firmware', join(src, 'old.bin'), '--fix', 'Custom relay timing']);
    return repo;
}

plan(28);
await run(async () => {
    const dir = tempDir();
    const repo = makeRepo(dir);
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, `helpdesk ${TOKEN}\n`);
    chmodSync(tokens, 0o600);
    const image = join(dir, 'EVSE_10_3_2_fix.bin');
    writeFileSync(image, randomBytes(120000));
    const sha = createHash('sha256').update(readFileSync(image)).digest('hex');
    const srv = await serve(repo, ['--admin-token-file', tokens]);
    const { context } = await browser({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();

    // sign in
    await page.goto(`${srv.base}/admin`);
    ok(page.url().endsWith('/admin/signin'), 'an admin without a session lands on sign-in');
    await screenshot(page, 'admin-signin');
    await page.fill('#token', 'not-the-token-0000000000');
    await page.click('button[type=submit]');
    ok((await page.textContent('body')).includes('not an admin token'),
        'a wrong token is refused with a message');
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    ok(page.url().endsWith('/admin/targets'), 'signing in opens the targets');
    ok((await page.textContent('body')).includes('signed in as helpdesk'),
        'the page names the admin');
    const cookies = await context.cookies();
    const c = cookies.find((k) => k.name === 'fwhub_admin');
    ok(c && c.httpOnly && c.sameSite === 'Strict' && c.path === '/admin',
        'the session cookie is HttpOnly, SameSite=Strict, for /admin', JSON.stringify(c));

    // create through the form, with an upload
    await page.click('text=Create a targeted fix');
    ok(page.url().endsWith('/admin/targets/new'), 'the create form opens');
    await page.fill('#mac', '24-0a-c4-3b-91-0c');
    await page.fill('#issue', 'SUPPORT-2024-900');
    await page.fill('#version', '10.3.2-fix');
    await page.fill('#model', 'NO_SUCH_MODEL');
    await page.setInputFiles('#firmware', image);
    await page.click('form.box button[type=submit]');
    const refused = await page.textContent('[role=alert]');
    ok(refused.includes('model') && refused.includes('NO_SUCH_MODEL is not a hardware model'),
        'a wrong model is refused, naming the field', refused);
    equal(await page.inputValue('#issue'), 'SUPPORT-2024-900',
        'the form keeps what was typed after a refusal');
    await page.fill('#model', 'EVSEPARKER_V2_GEN2');
    await page.setInputFiles('#firmware', image);
    await page.fill('#changelog', SCRIPT);
    await page.fill('#fix', 'Relay timing\nContactor check');
    await page.fill('#days', '45');
    await screenshot(page, 'admin-create');
    await page.click('form.box button[type=submit]');
    ok(page.url().includes('/admin/targets/24:0A:C4:3B:91:0C'),
        'after creating, the new target\'s page opens', page.url());
    const body = await page.textContent('body');
    ok(body.includes('The target was created.'), 'the page says the target was created');
    ok(body.includes(SCRIPT), 'the changelog with <script> is shown as text');
    equal(await page.evaluate(() => window.__pwned), undefined, 'the script did not run');
    equal(await page.locator('script').count(), 0, 'the page holds no script element');
    ok(body.includes('target.created') && body.includes('admin:helpdesk'),
        'the audit history shows target.created by admin:helpdesk');
    ok(body.includes('Customer feedback'), 'the target page has a customer feedback section');
    await screenshot(page, 'admin-target');

    // the list
    await page.click('nav >> text=Targets');
    const list = await page.textContent('table');
    ok(list.includes('24:0A:C4:3B:91:0C') && list.includes('Maria Rossi') &&
        list.includes('SUPPORT-2024-900'), 'the new target is listed with customer and ticket');
    ok(list.includes('10.3.2-fix') && list.includes('active'), 'with its version and state');
    await screenshot(page, 'admin-targets');

    // the device API offers it
    const res = await fetch(`${srv.base}/api/v1/devices/24:0A:C4:3B:91:0C/update` +
        '?model=EVSEPARKER_V2_GEN2&version=10.2.0');
    const ans = await res.json();
    ok(ans.kind === 'targeted' && ans.version === '10.3.2-fix',
        'the device API then offers the new target', JSON.stringify(ans));
    equal(ans.sha256, sha, 'with the uploaded image\'s sha256');
    const img = Buffer.from(await (await fetch(ans.url)).arrayBuffer());
    equal(createHash('sha256').update(img).digest('hex'), sha,
        'the device downloads exactly the uploaded image');
    const st = await fetch(`${srv.base}/api/v1/devices/24:0A:C4:3B:91:0C/status`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'Installed', version: '10.3.2-fix' }),
    });
    ok(st.status < 300, 'the device reports Installed', `status ${st.status}`);

    // at 360 px the page does not scroll sideways (tables scroll in their box)
    await page.setViewportSize({ width: 360, height: 740 });
    await page.reload();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    ok(wide <= 360, 'the targets page fits 360 px', `scrollWidth ${wide}`);
    await page.setViewportSize({ width: 1100, height: 800 });

    // the releases per model, and the audit trail with the admin's change
    await page.click('nav >> text=Releases');
    const rel = await page.textContent('main');
    ok(rel.includes('EVSEPARKER_V2_GEN2') && rel.includes('10.3.0') && rel.includes('10.2.0'),
        'the releases page lists the model\'s releases', rel.slice(0, 300));
    await screenshot(page, 'admin-releases');
    await page.click('nav >> text=Audit');
    const audit = await page.textContent('main');
    ok(audit.includes('target.created') && audit.includes('admin:helpdesk') &&
        audit.includes('admin.signed_in'),
        'the audit page lists the sign-in and the target created by admin:helpdesk');
    await screenshot(page, 'admin-audit');

    // the report with its charts
    await page.click('nav >> text=Report');
    equal(await page.locator('svg').count(), 3,
        'the report draws three SVG charts (downloads, success rate, targets by state)');
    const today = new Date().toISOString().slice(0, 10);
    ok(await page.locator(`svg rect >> title:has-text("${today}: 1")`).count() === 1 ||
        (await page.content()).includes(`${today}: 1</title>`),
        'the downloads chart counts today\'s download');
    await screenshot(page, 'admin-report');

    // sign out
    await page.click('text=Sign out');
    ok(page.url().endsWith('/admin/signin'), 'signing out returns to sign-in');
    await page.goto(`${srv.base}/admin/targets`);
    ok(page.url().endsWith('/admin/signin'), 'after signing out the targets need a sign-in');
});
