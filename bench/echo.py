"""ICMP echo over a raw IPv4 socket, shared by bench/first-reply.py and bench/outage.py (root)."""
import socket, struct


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def open_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setblocking(False)
    return sock


def send(sock: socket.socket, host: str, ident: int, seq: int, now: float) -> bool:
    """Sends one echo request; False when it could not leave (no route for a moment)."""
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    payload = struct.pack("!d", now)
    packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq) + payload
    try:
        sock.sendto(packet, (host, 0))
        return True
    except OSError:
        return False


def receive(sock: socket.socket, host: str, ident: int):
    """The sequence number of an echo reply from host to us, or None for any other packet."""
    data, addr = sock.recvfrom(2048)
    ihl = (data[0] & 0x0F) * 4
    if len(data) < ihl + 8:
        return None
    icmp_type, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
    return rseq if icmp_type == 0 and rid == ident and addr[0] == host else None
