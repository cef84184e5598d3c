"""Downloading model files from Hugging Face: resumable, verified, reporting progress to whoever shows it.

Model files are gigabytes over home connections, so an interrupted pull continues where it
stopped (HTTP Range on the `.part` file) instead of starting over, and nothing is moved into
place before its sha256 matches: the registry's, or the LFS hash Hugging Face reports.
`HF_ENDPOINT` points at a mirror; `HF_TOKEN` opens gated repos.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import quote

import httpx

from dcode.models.progress import OnProgress, Progress
from dcode.errors import BadInput

CHUNK = 1 << 20



RETRIES = 4
_SHA = re.compile(r'^"?([0-9a-f]{64})"?$')


def hf_url(repo: str, file: str, revision: str = "main") -> str:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    return f"{endpoint}/{repo}/resolve/{quote(revision, safe='')}/{quote(file)}"


def hf_headers() -> dict[str, str]:
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    headers = {"User-Agent": "dcode"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def download_hf(repo: str, file: str, target: Path, *, revision: str = "main", sha256: str = "",
                on_progress: OnProgress | None = None) -> Path:
    return download(hf_url(repo, file, revision), target, sha256=sha256, on_progress=on_progress,
                    headers=hf_headers(), label=file)


def _linked_sha(response: httpx.Response) -> str:
    """Hugging Face names an LFS file's sha256 in X-Linked-Etag on the redirect to its storage."""
    for r in (*response.history, response):
        match = _SHA.match(r.headers.get("x-linked-etag", "").lower())
        if match:
            return match.group(1)
    return ""


def _hash_existing(partial: Path) -> "hashlib._Hash":
    digest = hashlib.sha256()
    if partial.exists():
        with partial.open("rb") as f:
            while block := f.read(CHUNK):
                digest.update(block)
    return digest


def download(url: str, target: Path, *, sha256: str = "", on_progress: OnProgress | None = None,
             headers: dict[str, str] | None = None, label: str = "", client: httpx.Client | None = None) -> Path:
    """Fetch `url` into `target`, resuming `target.part` and verifying sha256 before the final rename."""
    partial = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    own_client = client is None
    client = client or httpx.Client(follow_redirects=True, timeout=httpx.Timeout(30.0, read=60.0))
    expected = sha256.lower()
    try:
        for attempt in range(RETRIES + 1):
            try:
                expected = _fetch(client, url, partial, dict(headers or {}), expected, on_progress,
                                  label or target.name) or expected
                break
            except (httpx.TransportError, httpx.RemoteProtocolError) as e:
                if attempt == RETRIES:
                    raise BadInput(f"download of {url} failed after {RETRIES + 1} tries: {e}; "
                                   "run the same command again to resume") from None
                time.sleep(min(2 ** attempt, 30) * 0.5)
    finally:
        if own_client:
            client.close()
    if not expected and on_progress is not None:
        on_progress(Progress(label or target.name, note="warning: no sha256 is known for it; it was not verified"))
    if expected:
        actual = _hash_existing(partial).hexdigest()
        if actual != expected:
            partial.unlink(missing_ok=True)
            raise BadInput(f"{label or target.name}: sha256 mismatch (expected {expected}, got {actual}); "
                           "the download was removed, run the command again")
    partial.replace(target)
    return target


def _fetch(client: httpx.Client, url: str, partial: Path, headers: dict[str, str], expected: str,
           on_progress: OnProgress | None, label: str) -> str:
    """One attempt: continue the partial file; return the sha256 the server vouches for, if any."""
    have = partial.stat().st_size if partial.exists() else 0
    if have:
        headers["Range"] = f"bytes={have}-"
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 416 and have:
            return expected or _linked_sha(response)  # the partial file is already complete
        if response.status_code in (401, 403):
            raise BadInput(f"{url}: access denied ({response.status_code}); gated models need HF_TOKEN")
        if response.status_code == 404:
            raise BadInput(f"{url}: not found (404); check the repo and file name in models/registry.toml")
        if response.status_code >= 500:
            raise httpx.RemoteProtocolError(f"server error {response.status_code}", request=response.request)
        if response.status_code >= 400:
            raise BadInput(f"{url}: HTTP {response.status_code}")
        server_sha = _linked_sha(response)
        if response.status_code == 200 and have:
            have = 0  # the server ignored the Range: start over
        mode = "ab" if have else "wb"
        length = response.headers.get("content-length")
        total = have + int(length) if length and length.isdigit() else None
        free = shutil.disk_usage(partial.parent).free
        if length and length.isdigit() and int(length) > free:
            raise BadInput(f"not enough disk space in {partial.parent}: {int(length) / 1e9:.1f} GB to fetch, "
                           f"{free / 1e9:.1f} GB free (set DCODE_HOME to put models elsewhere)")
        with partial.open(mode) as out:
            done = have
            if on_progress is not None:
                on_progress(Progress(label, done, total))
            for chunk in response.iter_bytes():  # as they arrive, so a broken transfer keeps its bytes
                out.write(chunk)
                done += len(chunk)
                if on_progress is not None:
                    on_progress(Progress(label, done, total))
        if total is not None and partial.stat().st_size < total:
            raise httpx.RemoteProtocolError("connection closed early", request=response.request)
    return expected or server_sha
