// Drives Debian's headless Chromium through the served site, as a visitor would: types a
// French query into the French page's search box, follows the language switcher, and
// reads a reply under its parent. Prints what it saw as one JSON object on stdout; the
// Rust test (tests/it/serve.rs) asserts on it.
//
//   node tests/browser/search.mjs http://127.0.0.1:PORT "inclusion financière"
import { chromium } from "playwright-core";

const [base, query] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const seen = {};
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/fr/gcm-review/index.html`);
  seen.pageLang = await page.getAttribute("html", "lang");

  // The reply is inside its parent's card, and says whom it answers.
  seen.nestedReply = await page
    .locator("article.contribution > div.replies > article.contribution .in-reply-to")
    .first()
    .innerText()
    .catch(() => null);

  // Type the query into the box and send it as a visitor does (Enter).
  await page.fill("form[role=search] input[name=q]", query);
  await Promise.all([page.waitForNavigation(), page.press("form[role=search] input[name=q]", "Enter")]);
  seen.resultsUrl = page.url();
  seen.resultsLang = await page.getAttribute("html", "lang");
  seen.marked = await page.locator("article.result mark").allInnerTexts();
  seen.authors = await page.locator("article.result .meta strong").allInnerTexts();
  seen.firstResultLang = await page.locator("article.result").first().getAttribute("lang");

  // Back to the page, then the language switcher to the English version.
  await page.goto(`${base}/fr/gcm-review/index.html`);
  await Promise.all([page.waitForNavigation(), page.click("nav.languages a[hreflang=en]")]);
  seen.switchedUrl = page.url();
  seen.switchedLang = await page.getAttribute("html", "lang");
  seen.errors = errors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
