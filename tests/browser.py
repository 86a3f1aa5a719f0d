"""Headless Chromium through Selenium and Debian's chromedriver, axe-core, and the npm packages the tests use.

Nothing here downloads a browser or a driver: Selenium is given `/usr/bin/chromedriver`, so Selenium Manager
never runs. `make test` installs both with apt-get when they are missing (scripts/browser_deps.sh); without
them every browser test fails with a message saying what to install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
NPM_DIR = ROOT / "tests" / "browser_deps"
SCREENSHOTS = ROOT / "results" / "screenshots"
# WCAG 2.2 AA and everything below it.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _require_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(
            f"The browser tests need Debian's Chromium and its driver, missing: {', '.join(missing)}. "
            "Install them with `apt-get install chromium chromium-driver` (`make test` does it when run as "
            "root). They fail rather than skip, so a machine without them cannot pass the suite unnoticed."
        )


class Browser:
    """One headless Chromium with a fresh profile, driven by Selenium."""

    def __init__(self, width: int = 1280, height: int = 900, font_size: int = 16) -> None:
        """Start Chromium; `font_size` is the browser's text size setting (32 is text resized to 200%)."""
        _require_browser()
        self.profile = tempfile.mkdtemp(prefix="council-browser-")
        options = Options()
        options.binary_location = str(CHROMIUM)
        for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", f"--user-data-dir={self.profile}",
                         f"--window-size={width},{height}"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"webkit": {"webprefs": {"default_font_size": font_size}}})
        self.driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        self.resize(width, height)

    def resize(self, width: int, height: int) -> None:
        """Make the page's viewport exactly width x height CSS pixels."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def open(self, url: str, ready: str = "document.readyState === 'complete'", timeout: float = 10) -> None:
        """Load url and wait until the `ready` expression is truthy."""
        self.driver.get(url)
        self.wait_for(ready, timeout)

    def js(self, expression: str, *args: object):
        """The value of a JavaScript expression (arguments as `arguments[0]`, ...)."""
        return self.driver.execute_script(f"return ({expression});", *args)

    def run(self, statements: str, *args: object) -> None:
        """Run JavaScript statements in the page."""
        self.driver.execute_script(statements, *args)

    def wait_for(self, expression: str, timeout: float = 10):
        """Evaluate expression until it is truthy; fail with the expression when it never is."""
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(lambda d: self.js(expression))
        except TimeoutException:
            raise AssertionError(f"timed out after {timeout}s waiting for: {expression}") from None

    def pause(self, seconds: float) -> None:
        """Let the page run for a moment (to show that something does not happen)."""
        time.sleep(seconds)

    def screenshot(self, name: str) -> Path:
        """Keep a PNG of the viewport in results/screenshots/ (gitignored) as a test artefact."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        self.driver.save_screenshot(str(path))
        return path

    def axe_violations(self, include: list | None = None) -> list[dict]:
        """Run axe-core (from npm) on the page, shadow roots included; return its WCAG 2.2 AA violations."""
        if not self.js("typeof window.axe === 'object'"):
            self.driver.execute_script(axe_source())
        context = json.dumps({"include": include} if include else {"exclude": []})
        options = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}})
        result = self.driver.execute_async_script(
            f"const done = arguments[arguments.length - 1];"
            f"axe.run({context}, {options}).then(r => done(r.violations.map(v => ({{id: v.id, help: v.help,"
            f" nodes: v.nodes.map(n => n.target.join(' ') + ' ' + n.failureSummary)}}))),"
            f" e => done([{{id: 'axe-error', help: String(e), nodes: []}}]));"
        )
        return result

    def assert_accessible(self, when: str) -> None:
        """Fail with axe-core's findings when the page has any WCAG 2.2 AA violation."""
        violations = self.axe_violations()
        assert violations == [], f"axe-core, {when}:\n" + json.dumps(violations, indent=1)

    def close(self) -> None:
        """Quit Chromium and remove its profile."""
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def npm_packages() -> Path:
    """tests/browser_deps/node_modules, installed with `npm ci` from the lockfile when missing or stale."""
    modules = NPM_DIR / "node_modules"
    stamp = modules / ".package-lock.json"
    lock = NPM_DIR / "package-lock.json"
    if stamp.is_file() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return modules
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("The browser tests install axe-core and rasa-webchat from npm: install Node.js and npm "
                    "(apt-get install npm; `make test` does it when run as root).")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=NPM_DIR,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(f"`npm ci` in {NPM_DIR} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return modules


def axe_source() -> str:
    """axe-core's browser build (MPL-2.0), from npm."""
    return (npm_packages() / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
