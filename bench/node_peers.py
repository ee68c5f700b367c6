"""The Node peers (`../shared/peers`): copied into `bench/.peers`, installed once, started.

`../shared/peers/README.md` says how they run: the folder copied to a git-ignored place
of the project (`apollo/` and `mercurius/` side by side, since Mercurius imports
`../apollo`), `npm ci` in each, then `node <peer>/server.mjs` with the BFF's own
settings. The copy is kept between runs and `npm ci` is skipped while a stamp written
after the last good install still matches the lockfile, `package.json` and the Node major
version, so the smoke test in CI pays for the install once per clean clone, not per run.

Anything missing (no `node`, no `npm` when an install is due, no peer sources, a failed
install) raises `Unavailable` with the reason, which the scenario reports as "skipped".
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import orjson

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
INSTALL_DIR: Final = REPO_ROOT / "bench" / ".peers"
STAMP: Final = ".bench-install-stamp"
MIN_NODE_MAJOR: Final = 20
NPM_TIMEOUT_S: Final = 600.0


class Unavailable(Exception):
    """The peers cannot run here; the message says why (the scenario's skip reason)."""


@dataclass(frozen=True)
class Peer:
    key: str
    label: str
    package: str
    """The folder holding its package.json and node_modules."""
    script: str
    """Its server, relative to the install directory."""
    versions_of: tuple[str, ...]
    """Packages whose installed versions the results name."""


PEERS: Final = (
    Peer("mercurius", "Mercurius", "mercurius", "mercurius/server.mjs",
         ("fastify", "mercurius", "graphql-jit", "graphql")),
    Peer("apollo", "Apollo", "apollo", "apollo/server.mjs",
         ("@apollo/server", "graphql", "dataloader")),
)
"""Mercurius first: it is the one the goal is set against. Apollo's package is installed
first regardless (Mercurius imports Apollo's modules and their dependencies)."""
INSTALL_ORDER: Final = ("apollo", "mercurius")


@dataclass(frozen=True)
class Installed:
    root: Path
    node: str
    node_version: str
    versions: dict[str, dict[str, str]]
    """Peer key -> package -> installed version."""
    installs: list[str]
    """What this run did per package: "npm ci (N s)" or "up to date"."""

    def script(self, peer: Peer) -> Path:
        return self.root / peer.script


def source_dir() -> Path:
    """`BENCH_PEERS_DIR`, else `../shared/peers` next to the repository."""
    override = os.environ.get("BENCH_PEERS_DIR")
    if override:
        return Path(override)
    return REPO_ROOT.parent / "shared" / "peers"


def node_version(node: str) -> str:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30,
                             check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise Unavailable(f"`node --version` failed: {exc}") from exc
    version = out.stdout.strip()
    if out.returncode != 0 or not version.startswith("v"):
        raise Unavailable(f"`node --version` failed ({out.returncode}): {out.stderr.strip()}")
    return version


def node_major(version: str) -> int:
    try:
        return int(version.lstrip("v").split(".", 1)[0])
    except ValueError:
        return 0


def sync_sources(src: Path, dest: Path) -> None:
    """Make `dest` hold `src`'s files (node_modules and the stamp aside), writable.

    Only changed files are rewritten; files gone from `src` are removed. The source may be
    read-only, so contents are copied, never modes.
    """
    wanted: set[Path] = set()
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        if "node_modules" in rel.parts or not path.is_file():
            continue
        wanted.add(rel)
        target = dest / rel
        data = path.read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.chmod(0o644)
        target.write_bytes(data)
    for path in dest.rglob("*"):
        rel = path.relative_to(dest)
        if ("node_modules" in rel.parts or rel.name in (STAMP, ".install.lock")
                or rel.suffix == ".log" or not path.is_file()):
            continue
        if rel not in wanted:
            path.unlink()


def install_stamp(package_dir: Path, node_ver: str) -> str:
    """What an install depends on: the manifest, the lockfile, Node's major version."""
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update(name.encode() + b"\0" + (package_dir / name).read_bytes() + b"\0")
    digest.update(f"node {node_major(node_ver)}".encode())
    return digest.hexdigest()


def needs_install(package_dir: Path, node_ver: str) -> bool:
    stamp = package_dir / "node_modules" / STAMP
    try:
        return stamp.read_text().strip() != install_stamp(package_dir, node_ver)
    except OSError:
        return True


def npm_ci(package_dir: Path, npm: str, log_path: Path) -> None:
    """`npm ci` (which empties node_modules first), then the stamp; the log kept beside."""
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false",
           "npm_config_audit": "false"}
    with log_path.open("wb") as log:
        try:
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=package_dir,
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                  env=env, timeout=NPM_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise Unavailable(f"npm ci in {package_dir.name}/ took over {NPM_TIMEOUT_S:.0f} s "
                              f"(log: {log_path})") from exc
        except OSError as exc:
            raise Unavailable(f"npm ci in {package_dir.name}/ could not start: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-8:])
        raise Unavailable(f"npm ci in {package_dir.name}/ failed ({done.returncode}): {tail}")


def installed_versions(package_dir: Path, packages: tuple[str, ...]) -> dict[str, str]:
    versions = {}
    for name in packages:
        manifest = package_dir / "node_modules" / name / "package.json"
        try:
            versions[name] = str(orjson.loads(manifest.read_bytes())["version"])
        except (OSError, ValueError, KeyError):
            versions[name] = "absent"
    return versions


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One installer at a time per checkout (two bench runs may start together)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prepare(src: Path | None = None, dest: Path = INSTALL_DIR) -> Installed:
    """The peers ready to start, installing them if (and only if) needed."""
    node = shutil.which("node")
    if node is None:
        raise Unavailable("node is not installed (the peers need Node 20+ and npm)")
    version = node_version(node)
    if node_major(version) < MIN_NODE_MAJOR:
        raise Unavailable(f"node {version} is too old (the peers need Node {MIN_NODE_MAJOR}+)")
    src = source_dir() if src is None else src
    missing = [p.script for p in PEERS if not (src / p.script).is_file()]
    if missing:
        raise Unavailable(f"peer sources not found at {src} ({', '.join(missing)} missing; "
                          "set BENCH_PEERS_DIR)")
    installs = []
    with _locked(dest):
        sync_sources(src, dest)
        for key in INSTALL_ORDER:
            package_dir = dest / key
            if not needs_install(package_dir, version):
                installs.append(f"{key}: up to date")
                continue
            npm = shutil.which("npm")
            if npm is None:
                raise Unavailable(f"npm is not installed ({key}/ needs `npm ci`)")
            t0 = time.monotonic()
            npm_ci(package_dir, npm, dest / f"{key}-npm-ci.log")
            (package_dir / "node_modules" / STAMP).write_text(install_stamp(package_dir, version))
            installs.append(f"{key}: npm ci ({time.monotonic() - t0:.0f} s)")
    versions = {p.key: installed_versions(dest / p.package, p.versions_of) for p in PEERS}
    # graphql-jit comes with mercurius; it may sit in mercurius' own node_modules.
    if versions["mercurius"].get("graphql-jit") == "absent":
        nested = dest / "mercurius" / "node_modules" / "mercurius"
        versions["mercurius"].update(installed_versions(nested, ("graphql-jit",)))
    return Installed(dest, node, version, versions, installs)
