"""The documentation site (issue 26), built by `make docs` and opened in headless Chromium (Debian's `chromium` and
`chromium-driver`, driven by Selenium): every page loads without console errors, every image decodes, every audio
element's source loads (its metadata decodes), every internal link resolves, and the search finds 'sample'. Screenshots of the home page and of
four tutorial pages (each at its first figure) are saved under _site/_screenshots/. Skipped, with the reason, where the browser is not installed."""
import http.server, shutil, subprocess, sys, threading, functools
from pathlib import Path
from urllib.parse import urljoin, urlparse, unquote
import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / '_site'
CHROMIUM, DRIVER = shutil.which('chromium'), shutil.which('chromedriver')
webdriver = pytest.importorskip('selenium.webdriver', reason='selenium is not installed (pip install -e ".[dev]")')
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason='no chromium / chromedriver: apt-get install chromium chromium-driver')


@pytest.fixture(scope='module')
def site():
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'build_docs.py')], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    handler = functools.partial(Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope='module')
def browser():
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--window-size=1280,900'): opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    d = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield d
    d.quit()


def pages() -> list:
    return sorted(str(p.relative_to(SITE)) for p in SITE.rglob('*.html')
                  if p.name != '404.html' and not p.relative_to(SITE).parts[0] in ('assets', 'search'))


def internal_links(browser, url: str) -> list:
    hrefs = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
    out = []
    for h in hrefs:
        if not h or h.startswith(('#', 'mailto:', 'javascript:')) or urlparse(h).scheme: continue
        out.append(unquote(urlparse(urljoin(url, h)).path))
    return out


def audio_states(browser) -> list:
    "Each audio element's source, readiness (HTMLMediaElement.readyState, 1 = metadata decoded) and error, once loaded."
    return browser.execute_async_script("""
        const done = arguments[arguments.length - 1], els = Array.from(document.querySelectorAll('audio'));
        const state = () => els.map(a => ({src: (a.currentSrc || '').slice(0, 30), ready: a.readyState, error: a.error ? a.error.code : null}));
        els.forEach(a => { a.preload = 'metadata'; a.load(); });
        let waited = 0;
        const poll = () => (els.every(a => a.readyState >= 1 || a.error) || waited > 5000) ? done(state()) : (waited += 100, setTimeout(poll, 100));
        poll();""")


def test_every_page_renders_links_resolve_and_search_works(site, browser):
    found = pages()
    assert 'index.html' in found and len(found) > 40, found
    problems, counts = [], dict(audio=0, images=0, gif=0)
    for rel in found:
        url = site + rel
        browser.get(url)
        errors = [e['message'] for e in browser.get_log('browser') if e['level'] == 'SEVERE']
        if errors: problems.append(f"{rel}: console errors {errors[:3]}")
        bad_img = browser.execute_script(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
        if bad_img: problems.append(f"{rel}: images not decoded {bad_img[:3]}")
        audio = audio_states(browser)
        counts['audio'] += len(audio); counts['images'] += browser.execute_script("return document.images.length")
        counts['gif'] += browser.execute_script("return Array.from(document.images).filter(i => i.src.startsWith('data:image/gif')).length")
        if 'tutorial' in rel and not browser.execute_script("return document.images.length"):
            problems.append(f"{rel}: a tutorial page without a single figure (run `make notebooks`)")
        mute = [a for a in audio if a['error'] or a['ready'] < 1 or not a['src']]
        if mute: problems.append(f"{rel}: {len(mute)} audio element(s) without a playable source {mute[:2]}")
        for path in internal_links(browser, url):
            target = SITE / path.lstrip('/')
            if not (target.is_file() or (target / 'index.html').is_file()): problems.append(f"{rel}: broken link {path}")
    assert not problems, '\n'.join(problems[:40])
    # the stored outputs reached the pages: the audio tutorial's players, the video tutorial's GIF, the figures
    assert counts['audio'] >= 4 and counts['gif'] >= 1 and counts['images'] >= 30, counts
    shots = SITE / '_screenshots'; shots.mkdir(exist_ok=True)
    browser.get(site + 'index.html'); browser.save_screenshot(str(shots / 'home.png'))
    for name in ('tutorial_control', 'audio/04_tutorial', 'video/04_tutorial', 'molecules/06_tutorial'):
        browser.get(site + next(p for p in found if name in p))
        browser.execute_script("const o = document.querySelector('.jp-OutputArea-output img, audio'); if (o) o.scrollIntoView();")
        browser.save_screenshot(str(shots / ('tutorial.png' if name == 'tutorial_control' else name.split('/')[0] + '.png')))
    # the search box (mkdocs-material's, over the whole site) finds 'sample'
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get(site + 'index.html')
    box = browser.find_element(By.CSS_SELECTOR, 'input.md-search__input')
    browser.execute_script("document.getElementById('__search').checked = true; arguments[0].focus();", box)  # open it
    box.send_keys('sample')
    WebDriverWait(browser, 20).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, '.md-search-result__item')) > 0)
