"""Browser tests: hwsim's HTML opened in a real headless Chromium, offline, as a user would open it.

Use in a test module of tests/browser/ (mark it ``pytestmark = pytest.mark.browser``)::

    from browser.conftest import open_page, plot_is_rendered, horizontal_overflow_px, overlapping_labels

    def test_my_page(browser, tmp_path):
        page, console_errors, blocked_requests = open_page(browser, tmp_path / "my.html")
        assert plot_is_rendered(page)          # falsy, with the reasons in its repr, when not
        assert console_errors == [] and blocked_requests == []

``browser`` is one Chromium for the whole session (Playwright driving the system browser:
``$HWSIM_CHROMIUM``, else /usr/bin/chromium). Without it the browser tests are skipped, except in
CI (the environment variable ``CI`` set), where they fail: CI installs Chromium (.ci/run), so a
missing browser there is a broken job, not a reason to skip. Every page gets its own context,
closed after the test. Import the helpers from ``browser.conftest`` (tests/browser is a package so
that this conftest does not take the place of tests/conftest.py as the module ``conftest``).
docs/testing.md says how to run these tests locally and in CI.
"""

from __future__ import annotations

import base64
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The flags this machine and CI need. The network is closed except for package registries, so
# every background connection Chromium would make on its own (field trials, component and safe
# browsing updates, sync, QUIC probes, first-run pages) is turned off rather than left to time out.
# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
# --disable-gpu: no GPU here; WebGL (scattergl, parcoords, 3-D) still draws through SwiftShader,
# which Playwright enables (--enable-unsafe-swiftshader, repeated here so it does not depend on it).
# --disable-dev-shm-usage: containers give /dev/shm 64 MB, too small for a 5 MB plotly page.
# Playwright adds --headless and a new empty --user-data-dir (a fresh temporary profile per launch,
# deleted on close), so no state leaks between runs.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-unsafe-swiftshader", "--disable-dev-shm-usage",
]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# how long a navigation, wait or action may take before it fails (Playwright's default is 30 s):
# a page carries 4.5 MB of plotly.js, parsed in 1-3 s on a quiet 2-core machine but measured at
# over 30 s here with the rest of the suite and other jobs on the same 2 cores; a hang still fails
PAGE_TIMEOUT_MS = 120_000
# hosts a page may reach: the live explorer's server on this machine, nothing else
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# schemes that never leave the machine
LOCAL_SCHEMES = {"file", "data", "blob", "about"}


def _in_ci() -> bool:
    # as tests/test_packaging.py reads it: any non-empty value
    return bool(os.environ.get("CI"))


def _unavailable(reason: str):
    """Fail in CI (the browser is installed there, so its absence is a broken job), skip elsewhere."""
    if _in_ci():
        pytest.fail(f"browser tests in CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def chromium_path() -> str:
    """The Chromium to drive: $HWSIM_CHROMIUM when set (it must exist), else /usr/bin/chromium."""
    configured = os.environ.get("HWSIM_CHROMIUM", "").strip()
    if configured:
        found = shutil.which(configured)
        if found is None:
            # set but wrong is a mistake to fix, never a silent skip
            pytest.fail(f"HWSIM_CHROMIUM={configured!r} is not an executable file "
                        f"(install chromium, e.g. apt-get install chromium, or unset HWSIM_CHROMIUM)", pytrace=False)
        return found
    if shutil.which(DEFAULT_CHROMIUM) is None:
        _unavailable(f"no Chromium at {DEFAULT_CHROMIUM} and HWSIM_CHROMIUM is not set "
                     "(apt-get install chromium chromium-driver; see docs/testing.md)")
    return DEFAULT_CHROMIUM


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Playwright's Browser)."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable('the Playwright driver is not installed (pip install -e ".[test]" or ".[browser]")')
    driver = sync_playwright().start()
    try:
        # 60 s: a cold start on a loaded 2-core CI machine takes a few seconds; a hang fails clearly
        chromium = driver.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS,
                                          timeout=60_000)
    except Exception as exc:
        driver.stop()
        # a browser that is there but does not start is broken, in CI and locally alike
        pytest.fail(f"Chromium at {executable} did not start: {exc}", pytrace=False)
    try:
        yield chromium
    finally:
        chromium.close()
        driver.stop()


def is_local_url(url: str) -> bool:
    """True for what never leaves this machine: file:, data:, blob:, about: and http(s)/ws(s) to
    127.0.0.1, localhost or ::1 (any port)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOCAL_HOSTS


# contexts opened during the current test, closed by the autouse fixture below
_open_contexts: list = []


@pytest.fixture(autouse=True)
def _close_pages():
    yield
    while _open_contexts:
        _open_contexts.pop().close()


def open_page(browser, url_or_path, *, width: int = 1400, height: int = 1000, wait_until: str = "load",
              keep: bool = False):
    """Open a file (path) or URL in a new context of ``width`` x ``height`` CSS pixels.

    Returns ``(page, console_errors, blocked_requests)``. Every request (and WebSocket) that is not
    local (``is_local_url``) is aborted and its URL appended to ``blocked_requests``; console
    messages of type error and uncaught page errors are appended to ``console_errors``. Both lists
    keep filling while the page lives (check them after interacting). The context is closed at
    the end of the test, or with ``keep=True`` (a page a module-scoped fixture shares between
    tests) by the caller: ``page.context.close()``. ``wait_until="commit"`` returns as soon as
    the navigation starts, so several pages load side by side (then ``page.wait_for_load_state``)."""
    if isinstance(url_or_path, Path) or "://" not in str(url_or_path):
        path = Path(url_or_path).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"open_page: no file {path}")
        url = path.as_uri()
    else:
        url = str(url_or_path)
    context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
    if not keep:
        _open_contexts.append(context)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    blocked_requests: list[str] = []
    console_errors: list[str] = []

    def abort(route):
        blocked_requests.append(route.request.url)
        route.abort("blockedbyclient")

    def close_socket(socket_route):
        # a routed WebSocket that never calls connect_to_server() reaches no server
        blocked_requests.append(socket_route.url)
        socket_route.close()

    context.route(lambda request_url: not is_local_url(request_url), abort)
    context.route_web_socket(lambda socket_url: not is_local_url(socket_url), close_socket)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and console_errors.append(
        f"console error: {message.text} ({message.location.get('url', '')}:{message.location.get('lineNumber', '')})"))
    page.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    page.goto(url, wait_until=wait_until)
    return page, console_errors, blocked_requests


# --- what a rendered plot looks like --------------------------------------------------------------

# true once every plotly div has been laid out by plotly.js (newPlot done: _fullLayout and _fullData)
_PLOTS_LAID_OUT_JS = """() => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return plots.length > 0 && plots.every(gd => gd._fullLayout && Array.isArray(gd._fullData));
}"""

# per plot: its size, visible traces, drawn SVG marks with a non-empty box, and WebGL/2-D canvases
_INSPECT_PLOTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd, index) => {
  const box = gd.getBoundingClientRect();
  const visibleTraces = (gd._fullData || []).filter(t => t.visible === true).length;
  // data marks of every SVG trace type: bars, lines, markers, text, pie slices, tables, sankey,
  // parcats ribbons; plotly draws each trace in a g.trace (or its type's own group)
  // (leaf shapes only, so a bar counts once: its g.point holds one path)
  const markSelector = ['g.trace path', 'g.trace text', 'g.trace rect', '.slice path',
                        '.table .cell-rect', '.sankey-link', '.sankey-node rect', '.parcats path.paths',
                        '.indicatorlayer text'].join(',');
  let svgMarks = 0;
  for (const mark of gd.querySelectorAll(markSelector)) {
    const r = mark.getBoundingClientRect();
    if (r.width > 0 || r.height > 0) svgMarks += 1;
  }
  const canvases = Array.from(gd.querySelectorAll('canvas')).map(c => c.getBoundingClientRect())
    .filter(r => r.width > 0 && r.height > 0)
    // document coordinates, for a full-page screenshot clip
    .map(r => ({x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height}));
  return {index, id: gd.id, width: box.width, height: box.height, visibleTraces, svgMarks, canvases};
})"""

# hide one plot's SVG layers (axes, grid, background) so only its canvases show
_SET_SVG_VISIBILITY_JS = """([index, visibility]) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[index];
  for (const svg of gd.querySelectorAll('svg.main-svg')) svg.style.visibility = visibility;
}"""

# decode a PNG (base64) in the page and count the pixels that differ from its most common colour
_COUNT_INK_PIXELS_JS = """async (pngBase64) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + pngBase64;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const pixels = new Uint32Array(context.getImageData(0, 0, canvas.width, canvas.height).data.buffer);
  const counts = new Map();
  for (const p of pixels) counts.set(p, (counts.get(p) || 0) + 1);
  let background = 0;
  for (const n of counts.values()) background = Math.max(background, n);
  return pixels.length - background;
}"""

# a GL plot counts as drawn when at least this many pixels of its canvases differ from their
# background: one scattergl marker of the default size 6 px covers about 28 pixels
MIN_INK_PIXELS = 20


@dataclass
class RenderCheck:
    """The outcome of ``plot_is_rendered``: true when every plot is drawn; its repr (which pytest
    prints on a failed assert) lists each plot and what is missing."""

    plots: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return not self.problems

    def __repr__(self) -> str:
        state = "all plots rendered" if not self.problems else "; ".join(self.problems)
        return f"RenderCheck({len(self.plots)} plot(s): {state})"


def _canvas_ink_pixels(page, plot: dict) -> int:
    page.evaluate(_SET_SVG_VISIBILITY_JS, [plot["index"], "hidden"])
    try:
        ink = 0
        for rect in plot["canvases"]:
            # full_page: a canvas below the fold is captured too
            png = page.screenshot(clip=rect, full_page=True, animations="disabled")
            ink += page.evaluate(_COUNT_INK_PIXELS_JS, base64.b64encode(png).decode("ascii"))
        return ink
    finally:
        page.evaluate(_SET_SVG_VISIBILITY_JS, [plot["index"], "visible"])


def plot_is_rendered(page, *, timeout_ms: int = PAGE_TIMEOUT_MS) -> RenderCheck:
    """Check that the page has plotly plots and that every ``.js-plotly-plot`` div has drawn
    something: a non-empty box, at least one visible trace, and data marks (SVG paths, points,
    bars, slices, table cells with a non-empty box) or WebGL/canvas content that is not blank
    (its pixels, with the plot's SVG layers hidden, are not all one colour). Waits up to
    ``timeout_ms`` for plotly.js to lay out every plot."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    check = RenderCheck()
    try:
        page.wait_for_function(_PLOTS_LAID_OUT_JS, timeout=timeout_ms)
    except PlaywrightTimeout:
        count = page.locator(".js-plotly-plot").count()
        check.problems.append(f"{count} .js-plotly-plot div(s), not all laid out by plotly.js "
                              f"within {timeout_ms} ms" if count else "no .js-plotly-plot div on the page")
        return check
    # two animation frames: WebGL traces draw on the frame after newPlot resolves
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    check.plots = page.evaluate(_INSPECT_PLOTS_JS)
    for plot in check.plots:
        name = f"plot {plot['index']} (#{plot['id']})"
        if plot["width"] <= 0 or plot["height"] <= 0:
            check.problems.append(f"{name} has an empty box {plot['width']}x{plot['height']}")
            continue
        if plot["visibleTraces"] == 0:
            check.problems.append(f"{name} has no visible trace")
            continue
        if plot["svgMarks"] > 0:
            continue
        if not plot["canvases"]:
            check.problems.append(f"{name} drew no SVG data marks and has no canvas")
            continue
        plot["inkPixels"] = _canvas_ink_pixels(page, plot)
        if plot["inkPixels"] < MIN_INK_PIXELS:
            check.problems.append(f"{name}: its canvases are blank ({plot['inkPixels']} non-background pixels)")
    return check


# --- layout checks ---------------------------------------------------------------------------------

def horizontal_overflow_px(page) -> float:
    """How far the page is wider than the window (CSS px); 0 when nothing falls off to the right."""
    return page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


# the labels a reader must be able to read: figure titles, subplot titles (annotations), axis
# titles, legend boxes, dropdown/button menus and colour-bar titles
_LABELS_JS = """() => {
  const boxes = [];
  const seen = new Set();
  document.querySelectorAll('.js-plotly-plot').forEach((gd, plot) => {
    const add = (kind, element) => {
      if (seen.has(element)) return;
      seen.add(element);
      const r = element.getBoundingClientRect();
      const text = (element.textContent || '').trim().slice(0, 60);
      if (r.width > 0 && r.height > 0) boxes.push({plot, kind, text, left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    };
    gd.querySelectorAll('.g-gtitle text.gtitle').forEach(e => add('title', e));
    gd.querySelectorAll('g.annotation-text-g text').forEach(e => add('annotation', e));
    gd.querySelectorAll('g[class$="title"] > text[class$="title"]').forEach(e => {
      if (!e.classList.contains('gtitle')) add('axis title', e);
    });
    gd.querySelectorAll('g.legend rect.bg').forEach(e => add('legend', e));
    gd.querySelectorAll('g.updatemenu-header-group, g.updatemenu-button').forEach(e => add('menu', e));
    gd.querySelectorAll('text.cbtitle').forEach(e => add('colorbar title', e));
  });
  return boxes;
}"""


def label_boxes(page) -> list[dict]:
    """The on-screen boxes (CSS px) of every plot's titles, subplot titles, axis titles, legends
    and menus: dicts with plot, kind, text, left, top, right, bottom."""
    return page.evaluate(_LABELS_JS)


def overlapping_labels(page, *, tolerance_px: float = 1.0) -> list[str]:
    """Pairs of labels of one plot whose boxes overlap by more than ``tolerance_px`` each way
    (a subplot title under the figure title, a dropdown over the title, a legend over an axis
    title), plus any label cut off by the window's right edge. Empty when everything reads."""
    boxes = label_boxes(page)
    width = page.evaluate("() => window.innerWidth")
    problems = []
    for i, a in enumerate(boxes):
        if a["right"] > width + tolerance_px:
            problems.append(f"plot {a['plot']}: {a['kind']} {a['text']!r} runs past the window's right edge "
                            f"({a['right']:.0f} > {width} px)")
        for b in boxes[i + 1:]:
            if a["plot"] != b["plot"]:
                continue
            across = min(a["right"], b["right"]) - max(a["left"], b["left"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if across > tolerance_px and down > tolerance_px:
                problems.append(f"plot {a['plot']}: {a['kind']} {a['text']!r} overlaps {b['kind']} {b['text']!r} "
                                f"({across:.0f}x{down:.0f} px)")
    return problems


_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    # every test under tests/browser/ carries the `browser` marker (-m "not browser" leaves them out),
    # whether or not its module says pytestmark = pytest.mark.browser
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
