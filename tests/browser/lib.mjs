// lib.mjs: what the browser tests share: TAP output, a temporary directory, the fwhub
// command line, `fwhub serve` on a free port, and Debian's chromium through playwright-core.
// Each test_*.mjs file is one program run by tests/run.sh (`node tests/browser/test_x.mjs`)
// with FWHUB (the binary under test) and BUILD in the environment.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const FWHUB = process.env.FWHUB || resolve('build/fwhub');
export const BUILD = process.env.BUILD || 'build';
export const SCREENSHOTS = resolve(BUILD, 'screenshots');

let planned = 0;
let passed = 0;
let failed = 0;
const cleanups = [];

// TAP: ok(cond, name) prints "ok N - name" or "not ok N - name" and returns cond.
export function ok(cond, name, diag) {
    const n = passed + failed + 1;
    if (cond) {
        passed++;
        console.log(`ok ${n} - ${name}`);
    } else {
        failed++;
        console.log(`not ok ${n} - ${name}`);
        if (diag !== undefined)
            for (const line of String(diag).split('\n'))
                console.log(`#   ${line}`);
    }
    return cond;
}

export function equal(got, want, name) {
    return ok(got === want, name, `got: ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`);
}

export function plan(n) {
    planned = n;
    console.log(`1..${n}`);
}

// Registers fn to run at the end (servers, browsers, the temporary directory), last first.
export function atExit(fn) {
    cleanups.push(fn);
}

async function cleanup() {
    while (cleanups.length) {
        try {
            await cleanups.pop()();
        } catch (e) {
            console.log(`# cleanup: ${e.message}`);
        }
    }
}

// Runs main(), reports an exception as a failure, cleans up and exits with the TAP outcome.
export async function run(main) {
    try {
        await main();
    } catch (e) {
        ok(false, `no exception (${e.message.split('\n')[0]})`, e.stack);
    }
    await cleanup();
    if (planned && passed + failed !== planned)
        console.log(`# ran ${passed + failed} of ${planned} planned tests`);
    process.exit(failed === 0 && (!planned || passed === planned) ? 0 : 1);
}

export function tempDir() {
    const dir = mkdtempSync(join(tmpdir(), 'fwhub-browser-'));
    atExit(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
}

// Runs `fwhub ARGS...`; returns {status, stdout, stderr}. Throws when it cannot start.
export function fwhub(args, opts = {}) {
    const r = spawnSync(FWHUB, args, { encoding: 'utf8', ...opts });
    if (r.error)
        throw r.error;
    return r;
}

// Like fwhub(), but a non-zero exit status throws with the command's stderr.
export function fwhubOk(args, opts = {}) {
    const r = fwhub(args, opts);
    if (r.status !== 0)
        throw new Error(`fwhub ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r;
}

// Starts `fwhub serve --repo REPO --listen 127.0.0.1:0 ARGS...` and waits until /healthz
// answers. Resolves to {base, proc, log(), stop()}; stop() sends SIGTERM and waits.
export async function serve(repo, args = [], env = {}) {
    const proc = spawn(FWHUB, ['serve', '--repo', repo, '--listen', '127.0.0.1:0',
        '--threads', '2', '--poll-interval', '1', ...args],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => { log += d; });
    const exited = new Promise((res) => proc.on('exit', res));
    const stop = async () => {
        if (proc.exitCode === null && proc.signalCode === null)
            proc.kill('SIGTERM');
        return exited;
    };
    atExit(stop);
    let port;
    for (let i = 0; i < 200 && !port; i++) {
        const m = /info listening 127\.0\.0\.1:(\d+) /.exec(log);
        if (m)
            port = m[1];
        else if (proc.exitCode !== null)
            break;
        else
            await new Promise((res) => setTimeout(res, 50));
    }
    if (!port)
        throw new Error(`fwhub serve did not start:\n${log}`);
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
        try {
            if ((await fetch(`${base}/healthz`)).ok)
                return { base, proc, log: () => log, stop };
        } catch {
            // not accepting yet
        }
        await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`fwhub serve did not answer /healthz:\n${log}`);
}

// Launches Debian's chromium headless (no browser is downloaded) and a fresh context with
// downloads accepted. Resolves to {browser, context}.
export async function browser(contextOptions = {}) {
    const b = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
            '--disable-background-networking', '--disable-component-update',
            '--disable-default-apps', '--disable-sync', '--no-first-run',
            '--metrics-recording-only', '--disable-extensions'],
    });
    atExit(() => b.close());
    const context = await b.newContext({ acceptDownloads: true, ...contextOptions });
    return { browser: b, context };
}

// Saves a full-page screenshot as build/screenshots/NAME.png.
export async function screenshot(page, name) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export function readText(path) {
    return readFileSync(path, 'utf8');
}
