"""Copy the front-end assets the pages use from node_modules/ into the web app's static files.

Run at set-up time, after `npm ci` (see the Makefile's `assets` target). Bureaus run the
platform on intranets without internet, so every stylesheet, script, font and icon is
served by the platform itself: nothing is ever loaded from a CDN.

The copied tree, src/qingshan/web/static/vendor/, is not committed; it is rebuilt from the
exact versions pinned in package.json and package-lock.json. VERSIONS.json beside it
records what was copied, and each package's licence travels with its files.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "src" / "qingshan" / "web" / "static" / "vendor"

# package → [(file or folder inside the package, destination inside vendor/<package>/)]
ASSETS: dict[str, list[tuple[str, str]]] = {
    "bootstrap": [
        ("dist/css/bootstrap.min.css", "bootstrap.min.css"),
        ("dist/css/bootstrap.min.css.map", "bootstrap.min.css.map"),
        ("dist/js/bootstrap.bundle.min.js", "bootstrap.bundle.min.js"),
        ("dist/js/bootstrap.bundle.min.js.map", "bootstrap.bundle.min.js.map"),
        ("LICENSE", "LICENSE"),
    ],
    "bootstrap-icons": [
        ("font/bootstrap-icons.min.css", "bootstrap-icons.min.css"),
        ("font/fonts/bootstrap-icons.woff2", "fonts/bootstrap-icons.woff2"),
        ("font/fonts/bootstrap-icons.woff", "fonts/bootstrap-icons.woff"),
        ("LICENSE", "LICENSE"),
    ],
    "htmx.org": [
        ("dist/htmx.min.js", "htmx.min.js"),
        ("LICENSE", "LICENSE"),
    ],
    "echarts": [
        ("dist/echarts.min.js", "echarts.min.js"),
        ("LICENSE", "LICENSE"),
        ("NOTICE", "NOTICE"),
    ],
    "leaflet": [
        ("dist/leaflet.js", "leaflet.js"),
        ("dist/leaflet.js.map", "leaflet.js.map"),
        ("dist/leaflet.css", "leaflet.css"),
        ("dist/images", "images"),
        ("LICENSE", "LICENSE"),
    ],
    # the supervision order PDF embeds this TrueType font (one file with every character,
    # unlike the web fonts' WOFF2 slices), so the PDF works without the system's
    # fonts-noto-cjk; supervision/pdf.py finds it first. OFL-1.1, as .txt: package data.
    "@expo-google-fonts/noto-sans-sc": [
        ("400Regular/NotoSansSC_400Regular.ttf", "NotoSansSC-Regular.ttf"),
        ("LICENSE_FONT", "OFL.txt"),
    ],
}

# where a package goes inside vendor/ when not in a folder of its own name (a scoped name)
FOLDERS = {"@expo-google-fonts/noto-sans-sc": "noto-sans-sc"}


class VendorError(Exception):
    """Set-up cannot go on; the message says what to do."""


def pinned_versions() -> dict[str, str]:
    package_json = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    return dict(package_json["dependencies"])


def installed_version(package: str) -> str:
    manifest = NODE_MODULES / package / "package.json"
    if not manifest.is_file():
        raise VendorError(f"{package} is not in node_modules/: run `npm ci` first")
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def check_versions() -> dict[str, str]:
    """The installed version of each package, which must be exactly the pinned one."""
    pins = pinned_versions()
    missing = set(ASSETS) - set(pins)
    if missing:
        raise VendorError(f"not pinned in package.json: {', '.join(sorted(missing))}")
    versions = {}
    for package in ASSETS:
        version = installed_version(package)
        if version != pins[package]:
            raise VendorError(
                f"{package} {version} is installed but package.json pins {pins[package]}:"
                " run `npm ci`"
            )
        versions[package] = version
    return versions


def copy_package(package: str, target: Path) -> int:
    copied = 0
    for source_name, dest_name in ASSETS[package]:
        source = NODE_MODULES / package / source_name
        dest = target / dest_name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest)
            copied += sum(1 for p in dest.rglob("*") if p.is_file())
        elif source.is_file():
            shutil.copy2(source, dest)
            copied += 1
        else:
            raise VendorError(f"{package}: {source_name} not found (did its layout change?)")
    return copied


def vendor() -> int:
    versions = check_versions()
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    VENDOR.mkdir(parents=True)
    copied = sum(copy_package(p, VENDOR / FOLDERS.get(p, p)) for p in ASSETS)
    (VENDOR / "VERSIONS.json").write_text(
        json.dumps(versions, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return copied


def main() -> int:
    try:
        copied = vendor()
    except VendorError as exc:
        print(f"vendor_assets: {exc}", file=sys.stderr)
        return 1
    print(f"vendor_assets: {copied} files copied into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
