"""`make scale`'s nginx config: unready replicas become backups, and nginx accepts the result."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from deploy.launcher import nginx_binary
from deploy.scale import render_nginx_conf


def servers(conf: str) -> list[str]:
    return [line.strip() for line in conf.splitlines() if line.strip().startswith("server 1")]


def nginx_accepts(workdir: Path, conf: str) -> None:
    path = workdir / "nginx.conf"
    path.write_text(conf)
    check = subprocess.run(
        [nginx_binary(), "-t", "-p", str(workdir), "-c", str(path), "-e", str(workdir / "e.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr


def test_unready_replicas_are_backups_and_nginx_accepts_it(tmp_path: Path) -> None:
    conf = render_nginx_conf(tmp_path, 5005, [7001, 7002, 7003], True, frozenset({7002}))
    assert servers(conf) == [
        "server 127.0.0.1:7001 max_fails=3 fail_timeout=5s;",
        "server 127.0.0.1:7002 max_fails=3 fail_timeout=5s backup;",
        "server 127.0.0.1:7003 max_fails=3 fail_timeout=5s;",
    ]
    nginx_accepts(tmp_path, conf)


def test_when_no_replica_is_ready_all_of_them_take_traffic(tmp_path: Path) -> None:
    """Each still answers the fail-safe: better than nginx's 502 with no server to send to."""
    conf = render_nginx_conf(tmp_path, 5005, [7001, 7002], True, frozenset({7001, 7002}))
    assert not any("backup" in line for line in servers(conf))
    nginx_accepts(tmp_path, conf)


def test_the_access_log_format_has_no_address_no_url_and_no_query(tmp_path: Path) -> None:
    conf = render_nginx_conf(tmp_path, 5005, [7001], True)
    start = conf.index("log_format relais")
    log_format = conf[start : conf.index(";", start)]
    assert set(re.findall(r"\$(\w+)", log_format)) == {
        "time_iso8601", "request_method", "status", "upstream_addr",
        "upstream_response_time", "request_time",
    }  # fmt: skip
