"""HAProxy in front of several Rasa replicas: one address for residents, each turn to a replica that is up.

The replicas share the PostgreSQL tracker store and the Redis lock store (``local_stack.scale``), so any of
them can take any turn of any conversation; HAProxy (Debian's package, ``scripts/balancer_deps.sh``) checks
each one's root URL (``/status`` needs Rasa's API token) and sends turns round-robin to those answering.
socket.io keeps a session on one replica (its polling transport is several requests), so ``/socket.io`` is
balanced by the resident's address.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from local_stack.services import Service

CONFIG = """\
global
    maxconn 4000

defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    # each request is balanced on its own: a resident's next turn may go to another replica
    option http-server-close
    # a replica that refuses the connection: try another (the request never reached Rasa)
    retries 2
    option redispatch

frontend residents
    bind {bind}
    acl socketio path_beg /socket.io
    use_backend rasa_sticky if socketio
    default_backend rasa
{stats}
backend rasa
    balance roundrobin
    option httpchk GET /
    http-check expect status 200
{servers}
backend rasa_sticky
    balance source
    option httpchk GET /
{servers}"""


def haproxy_config(port: int, replicas: list[str], stats_port: int | None = None) -> str:
    """HAProxy's configuration: residents on ``127.0.0.1:port``, turns to the ``host:port`` of each replica."""
    servers = "".join(f"    server rasa{i} {replica} check inter 2s fall 2 rise 1\n"
                      for i, replica in enumerate(replicas, start=1))
    stats = (f"\nlisten stats\n    bind 127.0.0.1:{stats_port}\n    stats enable\n    stats uri /stats\n"
             if stats_port else "")
    return CONFIG.format(bind=f"127.0.0.1:{port}", servers=servers, stats=stats)


def balancer_service(port: int, replicas: list[str], run_dir: Path, stats_port: int | None = None,
                     rasa_token: str = "") -> Service:
    """HAProxy as a service of the stack, in the foreground so the stack stops it with the others.

    Raises:
        FileNotFoundError: HAProxy is not installed (``scripts/balancer_deps.sh`` installs it).

    """
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if haproxy is None:
        raise FileNotFoundError("HAProxy is not installed: run scripts/balancer_deps.sh (Debian's haproxy package)")
    run_dir.mkdir(parents=True, exist_ok=True)
    config = run_dir / "haproxy.cfg"
    config.write_text(haproxy_config(port, replicas, stats_port), encoding="utf-8")
    return Service(
        name="balancer",
        command=[haproxy, "-db", "-f", str(config)],
        # ready once a replica answers through it with its model (Rasa's /status needs its API token)
        health_url=f"http://127.0.0.1:{port}/status",
        health_params={"token": rasa_token},
        public_url=f"http://127.0.0.1:{port}",
        ready_key="model_file",
        startup_seconds=60,
    )
