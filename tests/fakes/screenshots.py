"""Stand-in terminal screenshots: real-format zerotier-cli and ping output rendered with Pillow.

`sample(kind, rnd)` writes one terminal session (prompt, command, output) with random addresses;
`render(text, style)` draws it the way a terminal would, in a monospace font and a colour theme,
then degrades it like a chat upload (scaling, JPEG). The OCR tests and bench/ocr_compare.py use
both, so every figure is measured on images whose true text is known.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.diagnosis import CliError, NodeInfo, ParsedOutput, PingResult

FONTS: dict[str, str] = {
    "dejavu": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "liberation": "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "noto": "/usr/share/fonts/truetype/noto/NotoMono-Regular.ttf",
    "jetbrains": "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf",
    "inconsolata": "/usr/share/fonts/truetype/inconsolata/Inconsolata.otf",
}

# (background, text, prompt) colours of common terminal themes.
THEMES: dict[str, tuple[str, str, str]] = {
    "dark": ("#1e1e1e", "#d4d4d4", "#6a9955"),
    "light": ("#ffffff", "#1f1f1f", "#0451a5"),
    "solarized": ("#002b36", "#839496", "#b58900"),
    "powershell": ("#012456", "#eeedf0", "#ffff00"),
    "green": ("#000000", "#33ff33", "#33ff33"),
}

KINDS = ("info", "peers", "listpeers", "listnetworks", "error", "ping")

_ROOTS = (
    ("62f865ae71", "50.7.252.138"),
    ("778cde7190", "103.195.103.66"),
    ("cafe04eba9", "84.17.53.155"),
    ("cafe9efeb9", "104.194.8.134"),
)
_VERSIONS = ("1.14.1", "1.12.2", "1.10.6", "1.14.2", "1.8.4")


def available_fonts() -> dict[str, str]:
    """The fonts of FONTS that are installed here."""
    return {name: path for name, path in FONTS.items() if Path(path).is_file()}


@dataclass(frozen=True, slots=True)
class Style:
    """How one screenshot looks: font, size in px, theme, scale factor and JPEG quality."""

    font: str = "dejavu"
    size: int = 14
    theme: str = "dark"
    scale: float = 1.0
    jpeg: int | None = None  # None: PNG

    @property
    def label(self) -> str:
        """A short name for tables."""
        fmt = f"jpeg{self.jpeg}" if self.jpeg else "png"
        return f"{self.font}/{self.size}px/{self.theme}/x{self.scale:g}/{fmt}"


def _hex(rnd: random.Random, n: int) -> str:
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def _addr(rnd: random.Random) -> str:
    # ZeroTier addresses never start with ff (reserved), and 00 is rare: keep it realistic.
    return rnd.choice("123456789abcde") + _hex(rnd, 9)


def _ip(rnd: random.Random, private: bool = False) -> str:
    if private:
        return f"192.168.{rnd.randint(0, 9)}.{rnd.randint(2, 254)}"
    return (
        f"{rnd.randint(11, 223)}.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"
    )


def _prompt(rnd: random.Random, command: str, windows: bool) -> str:
    if windows:
        return f"PS C:\\Users\\admin> {command}"
    user = rnd.choice(("pi@raspberrypi:~$ ", "root@vps:~# ", "$ ", "user@laptop ~ % "))
    sudo = "sudo " if user.endswith("$ ") and rnd.random() < 0.5 else ""
    return f"{user}{sudo}{command}"


def _info(rnd: random.Random, windows: bool) -> list[str]:
    state = rnd.choice(("ONLINE", "OFFLINE", "TUNNELED", "ONLINE"))
    line = f"200 info {_addr(rnd)} {rnd.choice(_VERSIONS)} {state}"
    return [_prompt(rnd, "zerotier-cli info", windows), line]


def _peer_rows(rnd: random.Random) -> list[tuple[str, str, str, int, str, str | None]]:
    rows: list[tuple[str, str, str, int, str, str | None]] = []
    roots_down = rnd.random() < 0.25
    for addr, ip in _ROOTS:
        if roots_down:
            rows.append((addr, "-", "PLANET", -1, "RELAY", None))
        else:
            rows.append((addr, "-", "PLANET", rnd.randint(20, 300), "DIRECT", ip))
    for _ in range(rnd.randint(1, 4)):
        if rnd.random() < 0.4:
            rows.append((_addr(rnd), rnd.choice(_VERSIONS), "LEAF", -1, "RELAY", None))
        else:
            ip = _ip(rnd, private=rnd.random() < 0.5)
            rows.append(
                (_addr(rnd), rnd.choice(_VERSIONS), "LEAF", rnd.randint(1, 250), "DIRECT", ip)
            )
    return sorted(rows)


def _peers(rnd: random.Random, windows: bool) -> list[str]:
    out = [
        _prompt(rnd, "zerotier-cli peers", windows),
        "200 peers",
        "<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>",
    ]
    for addr, ver, role, lat, link, ip in _peer_rows(rnd):
        head = f"{addr} {ver:<6} {role:<6} {lat:>5} "
        if ip is None:
            out.append(head + link)
        else:
            tx, rx = rnd.randint(100, 9000), rnd.randint(100, 9000)
            out.append(head + f"{link}   {tx:<8} {rx:<8} {ip}/{rnd.choice((9993, 9993, 21002))}")
    return out


def _listpeers(rnd: random.Random, windows: bool) -> list[str]:
    out = [
        _prompt(rnd, "zerotier-cli listpeers", windows),
        "200 listpeers <ztaddr> <path> <latency> <version> <role>",
    ]
    for addr, ver, role, lat, _link, ip in _peer_rows(rnd):
        path = "-" if ip is None else f"{ip}/9993;{rnd.randint(100, 9000)};{rnd.randint(100, 9000)}"
        out.append(f"200 listpeers {addr} {path} {lat} {ver} {role}")
    return out


def _listnetworks(rnd: random.Random, windows: bool) -> list[str]:
    out = [
        _prompt(rnd, "zerotier-cli listnetworks", windows),
        "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>",
    ]
    for _ in range(rnd.randint(1, 3)):
        nwid = _hex(rnd, 16)
        mac = ":".join(_hex(rnd, 2) for _ in range(6))
        dev = "ethernet_32774" if windows else "zt" + _hex(rnd, 8)
        status = rnd.choice(("OK", "OK", "ACCESS_DENIED", "REQUESTING_CONFIGURATION", "NOT_FOUND"))
        if status == "OK":
            name = rnd.choice(("home", "My Home Net", "office-vpn", "lab"))
            ips = f"10.147.{rnd.randint(10, 20)}.{rnd.randint(2, 250)}/24"
        else:
            name, ips = "", "-"
        out.append(f"200 listnetworks {nwid} {name} {mac} {status} PRIVATE {dev} {ips}")
    return out


def _error(rnd: random.Random, windows: bool) -> list[str]:
    choice = rnd.randrange(4)
    if choice == 0:
        return [
            _prompt(rnd, "zerotier-cli info", windows),
            "Error connecting to the ZeroTier service: connection failed",
            "",
            "Please check that the service is running and that TCP port 9993 can be "
            "contacted via 127.0.0.1.",
        ]
    if choice == 1:
        return [_prompt(rnd, "zerotier-cli status", windows), "401 status {}"]
    if choice == 2:
        return [
            _prompt(rnd, "zerotier-cli join 8056c2e21c00000", windows),
            "invalid network id: 8056c2e21c00000",
        ]
    home = "C:\\ProgramData\\ZeroTier\\One" if windows else "/var/lib/zerotier-one"
    return [
        _prompt(rnd, "zerotier-cli info", windows),
        f"{home}/authtoken.secret: could not read (permission denied?)",
    ]


def _ping(rnd: random.Random, windows: bool) -> list[str]:
    target = f"10.147.{rnd.randint(10, 20)}.{rnd.randint(2, 250)}"
    ok = rnd.random() < 0.5
    if windows:
        out = [_prompt(rnd, f"ping {target}", True), "", f"Pinging {target} with 32 bytes of data:"]
        for _ in range(4):
            if ok:
                out.append(f"Reply from {target}: bytes=32 time={rnd.randint(1, 90)}ms TTL=64")
            else:
                out.append("Request timed out.")
        got = 4 if ok else 0
        out += [
            "",
            f"Ping statistics for {target}:",
            f"    Packets: Sent = 4, Received = {got}, Lost = {4 - got} ({100 - 25 * got}% loss),",
        ]
        return out
    out = [
        _prompt(rnd, f"ping -c 4 {target}", False),
        f"PING {target} ({target}) 56(84) bytes of data.",
    ]
    for seq in range(1, 5):
        if ok:
            ms = rnd.uniform(0.5, 90)
            out.append(f"64 bytes from {target}: icmp_seq={seq} ttl=64 time={ms:.1f} ms")
    got = 4 if ok else 0
    out += [
        "",
        f"--- {target} ping statistics ---",
        f"4 packets transmitted, {got} received, {100 - 25 * got}% packet loss, time 3004ms",
    ]
    return out


_MAKERS = {
    "info": _info,
    "peers": _peers,
    "listpeers": _listpeers,
    "listnetworks": _listnetworks,
    "error": _error,
    "ping": _ping,
}


def sample(kind: str, rnd: random.Random) -> str:
    """One terminal session showing `kind` output, with random addresses and states."""
    windows = rnd.random() < 0.3
    return "\n".join(_MAKERS[kind](rnd, windows))


def render(text: str, style: Style) -> bytes:
    """Draw `text` as a terminal screenshot in `style`; PNG or JPEG bytes."""
    from PIL import Image, ImageDraw, ImageFont  # Pillow comes with ztbot[ocr]

    bg, fg, prompt_colour = THEMES[style.theme]
    font = ImageFont.truetype(available_fonts()[style.font], style.size)
    lines = text.splitlines() or [""]
    left, _top, right, _bottom = font.getbbox("M" * max(len(line) for line in lines) or "M")
    width = right - left + 2 * 12
    step = round(style.size * 1.3)
    height = step * len(lines) + 2 * 10
    image = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        colour = prompt_colour if (">" in line[:40] or "$ " in line[:40]) and n == 0 else fg
        draw.text((12, 10 + n * step), line, font=font, fill=colour)
    if style.scale != 1.0:
        size = (round(width * style.scale), round(height * style.scale))
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if style.jpeg:
        image.save(out, format="JPEG", quality=style.jpeg)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def facts(outputs: list[ParsedOutput]) -> Counter[tuple[str, ...]]:
    """The facts a diagnosis stands on, as a multiset: addresses, roles, links, statuses..."""
    found: Counter[tuple[str, ...]] = Counter()
    for out in outputs:
        for peer in out.peers:
            found["address", peer.address] += 1
            found["role", peer.address, peer.role.value] += 1
            found["link", peer.address, peer.link.value] += 1
        for net in out.networks:
            found["network", net.id] += 1
            found["network-status", net.id, str(net.status)] += 1
        for item in out.items:
            if isinstance(item, NodeInfo):
                found["address", item.address] += 1
                found["node-status", item.status.value] += 1
            elif isinstance(item, CliError):
                found["error", item.kind, str(item.status_code)] += 1
            elif isinstance(item, PingResult):
                found["ping", str(item.target_ip), str(item.loss_pct)] += 1
    return found
