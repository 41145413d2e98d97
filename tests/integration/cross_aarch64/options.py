#!/usr/bin/env python3
"""Sends one SIP OPTIONS to linelock and checks the 200 that answers it.

options.py udp|tcp HOST PORT [TIMEOUT]

RFC 3261 11.2: an OPTIONS for the server itself (no user part) gets the
server's capabilities in a 200. Checks the status line, that Via (with
our branch), From, To (a tag added), Call-ID and CSeq come back (RFC 3261
8.2.6.2) and Allow lists OPTIONS. UDP requests are retransmitted on
Timer E (500 ms doubling, RFC 3261 17.1.2.2) until TIMEOUT seconds.
Exit 0 when all holds; 1 with the reason on stderr otherwise.
"""
import random
import socket
import sys
import time


def request(transport, host, lport, port, branch, call_id, tag):
    via = "SIP/2.0/%s %s:%d;branch=%s;rport" % (
        transport.upper(), host, lport, branch)
    lines = [
        "OPTIONS sip:%s:%d SIP/2.0" % (host, port),
        "Via: " + via,
        "Max-Forwards: 70",
        "From: <sip:probe@%s>;tag=%s" % (host, tag),
        "To: <sip:%s:%d>" % (host, port),
        "Call-ID: " + call_id,
        "CSeq: 1 OPTIONS",
        "Contact: <sip:probe@%s:%d>" % (host, lport),
        "Accept: application/sdp",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def headers(text):
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    out = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        out.setdefault(name.strip().lower(), []).append(value.strip())
    return head[0], out


def check(text, branch, call_id, tag):
    status, h = headers(text)
    if not status.startswith("SIP/2.0 200 "):
        return "status line %r" % status
    if branch not in " ".join(h.get("via", [])):
        return "Via without our branch: %r" % h.get("via")
    if h.get("call-id") != [call_id]:
        return "Call-ID %r" % h.get("call-id")
    if h.get("cseq") != ["1 OPTIONS"]:
        return "CSeq %r" % h.get("cseq")
    if "tag=" + tag not in " ".join(h.get("from", [])):
        return "From %r" % h.get("from")
    if "tag=" not in " ".join(h.get("to", [])):
        return "To without a tag: %r" % h.get("to")
    if "OPTIONS" not in " ".join(h.get("allow", [])).upper():
        return "Allow %r" % h.get("allow")
    return None


def via_udp(host, port, timeout, ids):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    msg = request("udp", host, s.getsockname()[1], port, *ids)
    end = time.monotonic() + timeout
    t = 0.5
    while time.monotonic() < end:
        s.sendto(msg, (host, port))
        s.settimeout(min(t, max(end - time.monotonic(), 0.01)))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            t = min(t * 2, 4.0)
            continue
        text = data.decode("utf-8", "replace")
        if text.startswith("SIP/2.0 1"):
            continue  # provisional: the final one follows
        return text
    return None


def via_tcp(host, port, timeout, ids):
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(request("tcp", host, s.getsockname()[1], port, *ids))
    buf = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s.settimeout(max(end - time.monotonic(), 0.01))
        try:
            chunk = s.recv(65535)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
        text = buf.decode("utf-8", "replace")
        while "\r\n\r\n" in text:
            head, _, rest = text.partition("\r\n\r\n")
            if head.startswith("SIP/2.0 1"):
                text = rest
                buf = rest.encode()
                continue
            return text
    return None


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ("udp", "tcp"):
        sys.stderr.write(__doc__)
        return 2
    transport, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    timeout = float(sys.argv[4]) if len(sys.argv) == 5 else 20.0
    rnd = random.Random()
    ids = ("z9hG4bK" + "%016x" % rnd.getrandbits(64),
           "%016x@probe" % rnd.getrandbits(64), "%08x" % rnd.getrandbits(32))
    send = via_udp if transport == "udp" else via_tcp
    text = send(host, port, timeout, ids)
    if text is None:
        sys.stderr.write("options.py: no final response over %s in %gs\n"
                         % (transport, timeout))
        return 1
    why = check(text, *ids)
    if why:
        sys.stderr.write("options.py: bad response over %s: %s\n%s\n"
                         % (transport, why, text))
        return 1
    print("options.py: %s: %s" % (transport, text.split("\r\n", 1)[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
