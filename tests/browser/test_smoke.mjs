// test_smoke.mjs: the browser itself works against a running fwhub serve (the health page
// and the manifest render), so a failure in the portal or admin tests is about fwhub.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { plan, run, ok, equal, tempDir, fwhubOk, serve, browser } from './lib.mjs';

plan(3);
await run(async () => {
    const dir = tempDir();
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    fwhubOk(['--repo', repo, 'validate']);
    const srv = await serve(repo);
    const { context } = await browser();
    const page = await context.newPage();
    const res = await page.goto(`${srv.base}/healthz`);
    equal(res.status(), 200, 'chromium loads /healthz from fwhub serve');
    ok((await page.textContent('body')).includes('ok'), 'the page shows the health text');
    const m = await page.goto(`${srv.base}/manifest.json`);
    ok(m.headers()['content-type'].startsWith('application/json'),
        'the manifest is served as JSON to a browser');
});
