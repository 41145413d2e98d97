#!/usr/bin/env python3
"""Raw SIP sender for the sip_* integration cases.

  sipsend.py udp|tcp|tls HOST PORT FILE... [--wait S] [--split N]
             [--together] [--expect-close] [--cafile PEM]

Sends each FILE (one message, or '-' for stdin) and prints every reply's
start line, one per line. TCP: all files go over one connection, each
cut into N-byte segments with --split, or sent as one segment with
--together; --full prints whole UDP replies; --gap S waits S seconds between UDP files (one socket, so
retransmissions come from the same port); --expect-close prints 'closed' or 'open' last. TLS is TCP
with a TLS client (verifying against --cafile when given)."""
import argparse
import socket
import ssl
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument('proto')
ap.add_argument('host')
ap.add_argument('port', type=int)
ap.add_argument('files', nargs='+')
ap.add_argument('--wait', type=float, default=1.0)
ap.add_argument('--split', type=int, default=0)
ap.add_argument('--together', action='store_true')
ap.add_argument('--expect-close', action='store_true')
ap.add_argument('--cafile')
ap.add_argument('--gap', type=float, default=0.0)
ap.add_argument('--full', action='store_true')
a = ap.parse_args()

msgs = [sys.stdin.buffer.read() if f == '-' else open(f, 'rb').read()
        for f in a.files]
fam = socket.AF_INET6 if ':' in a.host else socket.AF_INET
closed = False
if a.proto == 'udp':
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((a.host, a.port))
    for i, m in enumerate(msgs):
        if i and a.gap:
            time.sleep(a.gap)
        s.send(m)
else:
    s = socket.create_connection((a.host, a.port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if a.proto == 'tls':
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if a.cafile:
            ctx.load_verify_locations(a.cafile)
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=a.host)
    data = [b''.join(msgs)] if a.together else msgs
    for m in data:
        if a.split:
            for i in range(0, len(m), a.split):
                s.sendall(m[i:i + a.split])
                time.sleep(0.02)
        else:
            s.sendall(m)

buf = b''
end = time.time() + a.wait
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        d = s.recv(70000)
    except socket.timeout:
        break
    except (ConnectionResetError, ssl.SSLError):
        closed = True
        break
    if not d:
        closed = True
        break
    if a.proto == 'udp':
        out = d if a.full else d.split(b'\r\n', 1)[0]
        print(out.decode('utf-8', 'replace'))
    else:
        buf += d
if a.proto != 'udp':
    # Framed replies: print each start line.
    while buf:
        buf = buf.lstrip(b'\r\n')
        h, sep, rest = buf.partition(b'\r\n\r\n')
        if not sep:
            break
        print(h.split(b'\r\n', 1)[0].decode('utf-8', 'replace'))
        cl = 0
        for line in h.split(b'\r\n')[1:]:
            k, _, v = line.partition(b':')
            if k.strip().lower() in (b'content-length', b'l'):
                cl = int(v.strip())
        buf = rest[cl:]
if a.expect_close:
    print('closed' if closed else 'open')
