#!/usr/bin/python3
"""Hostile SIP and garbage against a running linelockd (loopback only).

    hostile.py SIP_PORT WEB_PORT ATTACK...

Each attack sends its bytes, then checks that linelock still answers an
OPTIONS for itself (UDP and a fresh TCP connection) with 200, and that
the web port still serves /healthz. Prints one line per attack; exits 1
at the first attack after which the daemon does not answer. Bounded: no
socket waits more than a few seconds, no attack runs more than ~15 s.
"""
import os
import random
import socket
import sys
import time

HOST = "127.0.0.1"
CRLF = "\r\n"
rng = random.Random(4475)


def branch():
    return "z9hG4bK%016x" % rng.getrandbits(64)


def request(method, port, extra=(), body=b"", ruri=None, via=None,
            transport="UDP", clen=None):
    """A SIP request as bytes; clen overrides the Content-Length."""
    ruri = ruri or "sip:%s:%d" % (HOST, port)
    tag = "%08x" % rng.getrandbits(32)
    lines = [
        "%s %s SIP/2.0" % (method, ruri),
        via or "Via: SIP/2.0/%s %s:9;branch=%s;rport" % (
            transport, HOST, branch()),
        "Max-Forwards: 70",
        "From: <sip:hostile@%s>;tag=%s" % (HOST, tag),
        "To: <sip:%s:%d>" % (HOST, port),
        "Call-ID: %s@hostile" % tag,
        "CSeq: 1 %s" % method,
    ]
    lines += list(extra)
    lines.append("Content-Length: %s" % (len(body) if clen is None else clen))
    return (CRLF.join(lines) + CRLF + CRLF).encode("latin-1") + body


def status_of(data):
    if not data.startswith(b"SIP/2.0 "):
        return None
    try:
        return int(data[8:11])
    except ValueError:
        return None


def udp_exchange(port, payload, wait=1.0, tries=3):
    """Sends payload, returns the first response's status (or None)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, 0))
    s.settimeout(wait)
    try:
        for _ in range(tries):
            s.sendto(payload, (HOST, port))
            try:
                data, _ = s.recvfrom(70000)
                return status_of(data)
            except socket.timeout:
                continue
        return None
    finally:
        s.close()


def tcp_connect(port, timeout=3.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.settimeout(timeout)
    return s


def tcp_exchange(port, payload, wait=3.0):
    """Sends payload on a new connection, returns (status, closed)."""
    s = tcp_connect(port, wait)
    try:
        s.sendall(payload)
        data = b""
        end = time.time() + wait
        while time.time() < end:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                return status_of(data), True
            if not chunk:
                return status_of(data), True
            data += chunk
            if b"\r\n\r\n" in data:
                break
        return status_of(data), False
    finally:
        s.close()


def alive(sip_port, web_port):
    """linelock answers OPTIONS over UDP and TCP, and serves /healthz."""
    st = udp_exchange(sip_port, request("OPTIONS", sip_port))
    if st != 200:
        return "UDP OPTIONS got %s" % st
    try:
        st, _ = tcp_exchange(sip_port, request("OPTIONS", sip_port,
                                               transport="TCP"))
    except OSError as e:
        return "TCP OPTIONS: %s" % e
    if st != 200:
        return "TCP OPTIONS got %s" % st
    if web_port:
        try:
            s = tcp_connect(web_port)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            data = s.recv(4096)
            s.close()
        except OSError as e:
            return "web /healthz: %s" % e
        if not data.startswith(b"HTTP/1.1 200"):
            return "web /healthz answered %r" % data[:40]
    return None


# ---- attacks: each returns a short note of what linelock answered ----

def a_huge_header_udp(p, w):
    big = "X-Big: " + "A" * 60000
    return "status %s" % udp_exchange(p, request("OPTIONS", p, [big]),
                                      tries=1)


def a_huge_header_tcp(p, w):
    """1 MiB of header: beyond max_message, the connection must go."""
    s = tcp_connect(p)
    head = request("OPTIONS", p, transport="TCP")[:-4] + b"\r\nX-Big: "
    sent = 0
    closed = False
    try:
        s.sendall(head)
        chunk = b"B" * 65536
        for _ in range(16):
            s.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    try:
        s.settimeout(3)
        closed = closed or s.recv(4096) == b""
    except (socket.timeout, ConnectionResetError):
        closed = closed or False
    s.close()
    return "sent %d KiB, closed by linelock: %s" % (sent // 1024, closed)


def a_many_vias_udp(p, w):
    vias = ["Via: SIP/2.0/UDP 10.%d.%d.%d;branch=%s" % (
        i >> 16 & 255, i >> 8 & 255, i & 255, branch()) for i in range(1000)]
    # Ours on top, so that the answer comes back (RFC 3261 18.2.2).
    msg = request("OPTIONS", p, vias)
    return "%d bytes: status %s" % (len(msg),
                                   udp_exchange(p, msg, tries=1))


def a_many_vias_one_line(p, w):
    via = "Via: SIP/2.0/UDP %s:9;branch=%s;rport, " % (HOST, branch())
    via += ", ".join("SIP/2.0/UDP 10.0.%d.%d;branch=%s" % (
        i >> 8 & 255, i & 255, branch()) for i in range(1000))
    msg = request("OPTIONS", p, via=via)
    return "%d bytes: status %s" % (len(msg),
                                   udp_exchange(p, msg, tries=1))


def a_many_vias_tcp(p, w):
    vias = ["Via: SIP/2.0/TCP 10.0.%d.%d;branch=%s" % (
        i >> 8 & 255, i & 255, branch()) for i in range(3000)]
    msg = request("OPTIONS", p, vias, transport="TCP")
    st, closed = tcp_exchange(p, msg)
    return "%d bytes: status %s closed %s" % (len(msg), st, closed)


def a_truncated_tcp(p, w):
    msg = request("INVITE", p, ["Contact: <sip:h@127.0.0.1:9>",
                                "Content-Type: application/sdp"],
                  b"v=0\r\n" * 40, ruri="sip:300@%s:%d" % (HOST, p),
                  transport="TCP")
    n = 0
    for cut in (10, len(msg) // 3, len(msg) // 2, len(msg) - 5):
        for _ in range(10):
            s = tcp_connect(p)
            s.sendall(msg[:cut])
            s.close()
            n += 1
    return "%d connections cut mid-message" % n


def a_slowloris_tcp(p, w):
    """40 connections feeding a header a byte at a time for ~8 s, while
    linelock must keep answering others."""
    conns = []
    for _ in range(40):
        try:
            conns.append(tcp_connect(p))
        except OSError:
            break
    head = request("OPTIONS", p, transport="TCP")
    end = time.time() + 8
    i = 0
    dropped = 0
    mid = None
    while time.time() < end and conns:
        for s in list(conns):
            try:
                s.send(head[i % (len(head) - 4):][:1])
            except OSError:
                conns.remove(s)
                s.close()
                dropped += 1
        i += 1
        if i == 8:
            mid = alive(p, w)
        time.sleep(0.25)
    for s in conns:
        s.close()
    if mid:
        raise RuntimeError("during slow-loris: " + mid)
    return "%d connections, %d closed by linelock, others served" % (
        40, dropped)


def a_slowloris_exhaust(p, w):
    """More slow connections than max_connections (64 in the case's
    config), from another loopback address: linelock refuses the excess
    at once, UDP goes on; once they go, TCP serves again."""
    conns = []
    refused = 0
    for _ in range(80):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.5", 0))
            s.settimeout(2)
            s.connect((HOST, p))
            s.send(b"OPTIONS sip:x SIP/2.0\r\n")
            conns.append(s)
        except OSError:
            refused += 1
    time.sleep(0.5)
    st = udp_exchange(p, request("OPTIONS", p))
    for s in conns:
        s.close()
    if st != 200:
        raise RuntimeError("UDP OPTIONS during exhaustion got %s" % st)
    time.sleep(0.5)
    return "80 slow connections (%d refused at connect), UDP served" % (
        refused)


def a_bad_utf8(p, w):
    names = [b"\xff\xfe", b"\xc3\x28", b"\xe2\x82", b"\xf0\x28\x8c\xbc",
             b"\xed\xa0\x80", b"\xc0\xaf", b"\x00\x01"]
    out = []
    for n in names:
        extra = ["Subject: " + n.decode("latin-1"),
                 "X-Name: \"" + n.decode("latin-1") + "\" <sip:a@b>"]
        msg = request("OPTIONS", p, extra)
        msg = msg.replace(b"From: <", b"From: \"" + n + b"\" <", 1)
        out.append(str(udp_exchange(p, msg, tries=1)))
        st, _ = tcp_exchange(p, msg.replace(b"/UDP", b"/TCP"))
        out.append(str(st))
    return "statuses " + ",".join(out)


def a_content_length_lies(p, w):
    out = []
    # UDP, Content-Length past the datagram: 400 (RFC 3261 18.3).
    out.append(udp_exchange(p, request("OPTIONS", p, body=b"abc",
                                       clen=50), tries=1))
    # UDP, shorter: the body is truncated, the request served.
    out.append(udp_exchange(p, request("OPTIONS", p, body=b"abcdef",
                                       clen=2), tries=1))
    # Negative, non-numeric, huge.
    for cl in ("-1", "abc", "99999999999999999999", "4294967296"):
        out.append(udp_exchange(p, request("OPTIONS", p, clen=cl),
                                tries=1))
    # TCP, a body promised and never sent: no answer, no hang.
    s = tcp_connect(p)
    s.sendall(request("OPTIONS", p, clen=100000, transport="TCP"))
    time.sleep(0.5)
    s.close()
    # TCP, two conflicting Content-Length headers.
    msg = request("OPTIONS", p, ["l: 7"], clen=0, transport="TCP")
    st, _ = tcp_exchange(p, msg)
    out.append(st)
    return "statuses " + ",".join(str(x) for x in out)


def a_garbage_everywhere(p, w):
    blobs = [os.urandom(n) for n in (1, 7, 100, 1400, 8000)]
    blobs += [b"\r\n" * 1000, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
              b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
              request("OPTIONS", p), b"\x00" * 4000,
              b"SIP/2.0 200 OK\r\n\r\n", b"INVITE\r\n\r\n"]
    n = 0
    for b in blobs:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b, (HOST, p))
        s.close()
        for port in [p] + ([w] if w else []):
            try:
                s = tcp_connect(port)
                s.sendall(b)
                s.settimeout(0.3)
                try:
                    s.recv(4096)
                except (socket.timeout, ConnectionResetError):
                    pass
                s.close()
            except OSError:
                pass
        n += 1
    return "%d blobs to UDP, TCP and web" % n


def a_response_flood(p, w):
    """Stray responses and ACKs that match nothing: dropped, silently."""
    for i in range(300):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        resp = ("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP %s:%d;branch=%s\r\n"
                "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
                "Call-ID: stray%d\r\nCSeq: 1 INVITE\r\n"
                "Content-Length: 0\r\n\r\n" % (HOST, p, branch(), i))
        s.sendto(resp.encode(), (HOST, p))
        s.sendto(request("ACK", p), (HOST, p))
        s.close()
    return "300 stray 200s and ACKs"


ATTACKS = {k[2:]: v for k, v in globals().items() if k.startswith("a_")}


def main():
    sip_port, web_port = int(sys.argv[1]), int(sys.argv[2])
    names = sys.argv[3:] or list(ATTACKS)
    why = alive(sip_port, web_port)
    if why:
        print("before any attack: " + why)
        return 1
    for name in names:
        t = time.time()
        note = ATTACKS[name](sip_port, web_port)
        why = alive(sip_port, web_port)
        print("%-22s %-60s %.1fs %s" % (name, note, time.time() - t,
                                       "alive" if not why else why))
        sys.stdout.flush()
        if why:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
