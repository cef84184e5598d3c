// A person at a browser, scripted: open a file in code-server, type, wait for ghost text from
// `dcode lsp`, accept it with Tab, run a palette command, and save a screenshot.
//
//   node drive.cjs URL FILE TYPED SCREENSHOT [SOLVE_FILE SOLVE_LINE WORKSPACE]  (env: PLAYWRIGHT_CORE, CHROMIUM)
//
// With SOLVE_FILE, it then opens that file, puts the cursor on SOLVE_LINE (1-based) and runs
// "dcode: Solve problem file" from the palette, waits for the server's edit, and saves.
//
// Prints one JSON line: what was seen at each step, so the Python test makes the verdicts.
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const [url, file, typed, screenshot, solveFile, solveLine, workspace] = process.argv.slice(2);
const seen = { steps: [] };
const step = (name, extra = {}) => seen.steps.push({ name, at: Date.now(), ...extra });

async function editorText(page) {
  return page.evaluate(() => {
    const lines = [...document.querySelectorAll('.monaco-editor .view-lines .view-line')];
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    return lines.map((l) => l.innerText.replace(/\u00a0/g, ' ')).join('\n');
  });
}

async function open(page, name) {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: 30000 });
  await page.keyboard.type(name, { delay: 20 });
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${name}"]`, { timeout: 30000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.tab.active[aria-label*="${name}"]`, { timeout: 60000 });
}

async function palette(page, command) {
  await page.keyboard.press('Control+Shift+P');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 30000 });
  await page.keyboard.type(command, { delay: 20 });
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${command}"]`, { timeout: 30000 });
  await page.keyboard.press('Enter');
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 180000 });
    step('workbench');

    await open(page, file);
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    step('opened', { text: await editorText(page) });

    // The status bar says when the model is up (it loads in the background when the editor connects).
    await page.waitForFunction(() => /dcode .*ready/.test(document.querySelector('.statusbar')?.textContent ?? ''),
      null, { timeout: 180000 });
    step('ready');
    await page.keyboard.type(typed, { delay: 60 });
    let ghost = '';
    const deadline = Date.now() + 120000;
    for (let attempt = 0; !ghost && Date.now() < deadline; attempt++) {
      const found = await page.waitForSelector('.ghost-text-decoration', { timeout: 4000 }).catch(() => null);
      ghost = found ? (await found.innerText()).trim() : '';
      if (!ghost) {
        // As a person would: ask for a suggestion (Alt+\), or type the last character again.
        if (attempt % 2 === 0) await page.keyboard.press('Alt+Backslash');
        else { await page.keyboard.press('Backspace'); await page.keyboard.type(typed.slice(-1)); }
      }
    }
    step('ghost', { ghost, status: await page.innerText('.statusbar').catch(() => '') });
    if (screenshot) await page.screenshot({ path: screenshot });
    await page.keyboard.press('Tab');
    await page.waitForTimeout(800);
    // Ghost text is drawn inside the line, so the screen reads the same before and after; what Tab changed is
    // the document, which a save shows (the test reads the file) and the ghost decoration, which is gone.
    const left = await page.$$('.ghost-text-decoration, .ghost-text-decoration-preview');
    await page.keyboard.press('Control+S');
    await page.waitForTimeout(1500);
    step('accepted', { text: await editorText(page), ghostsLeft: left.length });

    await palette(page, 'dcode: Toggle inline suggestions');
    await page.waitForSelector('.notifications-toasts .notification-toast', { timeout: 30000 });
    step('palette', { notifications: await page.innerText('.notifications-toasts') });

    if (solveFile) {
      await open(page, solveFile);
      // Go to the line, and see the cursor there: at any other line the command solves the file in a terminal.
      const statusbar = () => page.innerText('.statusbar').catch(() => '');
      for (let tries = 0; tries < 5 && !(await statusbar()).includes(`Ln ${solveLine},`); tries++) {
        await page.keyboard.press('Control+G');
        await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 30000 });
        await page.keyboard.type(solveLine, { delay: 20 });
        await page.keyboard.press('Enter');
        await page.waitForTimeout(500);
      }
      const cursor = await statusbar();
      const original = fs.readFileSync(path.join(workspace, solveFile), 'utf8');
      await palette(page, 'dcode: Solve problem file');
      // The server's loop runs; its edit arrives as a workspace edit, which leaves the editor dirty. Save it.
      const until = Date.now() + 240000;
      let saved = original;
      while (saved === original && Date.now() < until) {
        await page.waitForTimeout(2000);
        if (await page.$('.tab.active.dirty')) await page.keyboard.press('Control+S');
        saved = fs.readFileSync(path.join(workspace, solveFile), 'utf8'); // the save lands a moment later
      }
      step('solved', { saved, cursor, notifications: await page.innerText('.notifications-toasts').catch(() => '') });
    }
  } catch (error) {
    seen.error = String(error && error.stack || error);
  } finally {
    await browser.close();
    console.log(JSON.stringify(seen));
  }
})();
