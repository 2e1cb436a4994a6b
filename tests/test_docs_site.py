"""The documentation site (issue 26), built by `make docs` and opened in headless Chromium (Debian's `chromium` and
`chromium-driver`, driven by Selenium): every page loads without console errors, every image decodes, every audio
element has a source, every internal link resolves, and the search finds 'sample'. Screenshots of the home page and a
tutorial page are saved under _site/_screenshots/. Skipped, with the reason, where the browser is not installed."""
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


def test_every_page_renders_links_resolve_and_search_works(site, browser):
    found = pages()
    assert 'index.html' in found and len(found) > 40, found
    problems = []
    for rel in found:
        url = site + rel
        browser.get(url)
        errors = [e['message'] for e in browser.get_log('browser') if e['level'] == 'SEVERE']
        if errors: problems.append(f"{rel}: console errors {errors[:3]}")
        bad_img = browser.execute_script(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
        if bad_img: problems.append(f"{rel}: images not decoded {bad_img[:3]}")
        mute = browser.execute_script(
            "return Array.from(document.querySelectorAll('audio')).filter(a => !(a.currentSrc || a.src || "
            "a.querySelector('source[src]'))).length")
        if mute: problems.append(f"{rel}: {mute} audio element(s) without a source")
        for path in internal_links(browser, url):
            target = SITE / path.lstrip('/')
            if not (target.is_file() or (target / 'index.html').is_file()): problems.append(f"{rel}: broken link {path}")
    assert not problems, '\n'.join(problems[:40])
    shots = SITE / '_screenshots'; shots.mkdir(exist_ok=True)
    browser.get(site + 'index.html'); browser.save_screenshot(str(shots / 'home.png'))
    tutorial = next(p for p in found if 'tutorial_control' in p)
    browser.get(site + tutorial); browser.save_screenshot(str(shots / 'tutorial.png'))
    # the search box (mkdocs-material's, over the whole site) finds 'sample'
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get(site + 'index.html')
    box = browser.find_element(By.CSS_SELECTOR, 'input.md-search__input')
    browser.execute_script("document.getElementById('__search').checked = true; arguments[0].focus();", box)  # open it
    box.send_keys('sample')
    WebDriverWait(browser, 20).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, '.md-search-result__item')) > 0)
