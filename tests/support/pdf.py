"""Reading a PDF as people see it, with poppler (Debian poppler-utils): the text of each page
in its layout (pdftotext -layout), and each page rendered to an image (pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .components import missing_component


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing_component(f"{name} (apt-get install poppler-utils)")
    return path


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, laid out as printed (columns kept on one line)."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    out = subprocess.run([_tool("pdftotext"), "-layout", str(source), "-"], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def render_pages(pdf: bytes, tmp_path: Path, dpi: int = 50) -> list[Path]:
    """Each page as a PNG (pdftoppm), in order."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-png", str(source),
                    str(tmp_path / "page")], check=True, capture_output=True, timeout=120)
    return sorted(tmp_path.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
