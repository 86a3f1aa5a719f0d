"""Which sockets listen on a TCP port, read from Linux's /proc/net tables (no extra library).

The security probe checks they are loopback only; the latency benchmark finds the processes behind them.
"""

from __future__ import annotations

from pathlib import Path

# 127.0.0.1 and ::1 as /proc/net/tcp and tcp6 write them
LOOPBACK = frozenset({"0100007F", "00000000000000000000000001000000"})


def listening(port: int) -> list[tuple[str, str]]:
    """(local address in /proc's hex, socket inode) of every socket listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if len(fields) > 9 and fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append((address, fields[9]))
    return found
