#!/usr/bin/env python3
"""Replays every RFC 4475 torture message over UDP to a running linelockd
and checks each outcome against manifest.tsv (accept_strict or
accept_rfc, and the checks column); after each one the daemon must still
answer an OPTIONS of our own.

  torture.py --mode strict|rfc --port P --dir RFC4475_DIR [--pid PID]
             [--wait S] [--valid-no-400] [--only NAME]

Responses are routed by the message's own top Via (RFC 3261 18.2.2:
received address, sent-by port, or rport), so each message is sent from
a socket bound to that port on a random loopback address 127.x.y.z:
the daemon's answer comes back to it without rewriting a byte."""
import argparse
import os
import random
import re
import socket
import sys
import time

MACROS = {
    'VALIDREQ': 'none,1xx,2xx,3xx,4xx,6xx',
    'LIBERAL': 'none,1xx,2xx,3xx,4xx,6xx',
    'INVREQ': 'none,4xx',
}

ap = argparse.ArgumentParser()
ap.add_argument('--mode', choices=('strict', 'rfc'), default='strict')
ap.add_argument('--port', type=int, required=True)
ap.add_argument('--dir', required=True)
ap.add_argument('--pid', type=int)
ap.add_argument('--wait', type=float, default=0.8)
ap.add_argument('--valid-no-400', action='store_true')
ap.add_argument('--only')
a = ap.parse_args()


def expand(tokens):
    out = []
    for t in tokens.split(','):
        out += MACROS.get(t, t).split(',')
    return set(out)


def via_port(data):
    """The port the daemon answers to: sent-by port, 5060 by default;
    with rport any port does (we use 5060 too)."""
    m = re.search(rb'^(?:Via|v)[ \t]*:[^\r\n]*?SIP[ \t]*/[ \t]*2\.0[ \t]*/'
                  rb'[ \t]*\w+[ \t]+[^\s;:,]+(?::(\d+))?',
                  data, re.M | re.I)
    return int(m.group(1)) if m and m.group(1) else 5060


def sock_for(port):
    for _ in range(50):
        host = '127.%d.%d.%d' % (random.randint(1, 254),
                                 random.randint(0, 254),
                                 random.randint(1, 254))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((host, port))
            return s
        except OSError:
            s.close()
    sys.exit('no loopback address free for port %d' % port)


def is_final(r):
    return re.match(rb'SIP/2\.0 [2-9]\d\d ', r) is not None


def collect(s, wait, stop_at_final=False):
    """Replies within `wait` seconds, or up to the first final one."""
    replies = []
    end = time.time() + wait
    while True:
        left = end - time.time()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            replies.append(s.recv(70000))
        except socket.timeout:
            break
        if stop_at_final and is_final(replies[-1]):
            break
    return replies


def outcome(replies):
    codes = []
    for r in replies:
        m = re.match(rb'SIP/2\.0 (\d{3}) ', r)
        if m:
            codes.append(int(m.group(1)))
    finals = [c for c in codes if c >= 200]
    if finals:
        return finals[0]
    return '1xx' if codes else 'none'


def accepted(out, allowed):
    if 'any' in allowed:
        return True
    if out in ('none', '1xx'):
        return out in allowed
    return str(out) in allowed or '%dxx' % (out // 100) in allowed


def alive():
    if a.pid:
        try:
            os.kill(a.pid, 0)
        except OSError:
            return False
    s = sock_for(5060)
    cid = 'alive-%d' % random.randint(0, 1 << 30)
    host, port = s.getsockname()
    s.sendto(('OPTIONS sip:127.0.0.1 SIP/2.0\r\n'
              'Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport\r\n'
              'From: <sip:t@%s>;tag=t\r\nTo: <sip:127.0.0.1>\r\n'
              'Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n'
              'Content-Length: 0\r\n\r\n' % (host, port, cid, host, cid))
             .encode(), ('127.0.0.1', a.port))
    ok = any(r.startswith(b'SIP/2.0 200 ')
             for r in collect(s, 2.0, stop_at_final=True))
    s.close()
    return ok


col = 'accept_strict' if a.mode == 'strict' else 'accept_rfc'
rows = []
with open(os.path.join(a.dir, 'manifest.tsv')) as f:
    head = f.readline().rstrip('\n').split('\t')
    for line in f:
        rows.append(dict(zip(head, line.rstrip('\n').split('\t'))))
failed = 0
for r in rows:
    if a.only and r['name'] != a.only:
        continue
    data = open(os.path.join(a.dir, r['name']), 'rb').read()
    s = sock_for(via_port(data))
    s.sendto(data, ('127.0.0.1', a.port))
    # A final answer ends the wait, unless a check looks at later ones.
    replies = collect(s, a.wait, stop_at_final=not r.get('checks'))
    s.close()
    out = outcome(replies)
    allowed = expand(r[col])
    why = []
    if not accepted(out, allowed):
        why.append('outcome %s not in %s' % (out, r[col]))
    checks = r.get('checks', '')
    for c in filter(None, checks.split(',')):
        if c.startswith('no-reply-to-callid='):
            cid = c.split('=', 1)[1].encode()
            if any(re.search(rb'^(Call-ID|i)[ \t]*:[ \t]*' + re.escape(cid)
                             + rb'\r?$', x, re.M | re.I) for x in replies):
                why.append('answered the trailing request %s' % cid)
    if (a.valid_no_400 and r['verdict'] == 'valid' and out == 400 and
            '400-ok' not in checks):
        why.append('400 to a valid request')
    if not alive():
        why.append('daemon does not answer OPTIONS afterwards')
    line = next((x.split(b'\r\n', 1)[0].decode('utf-8', 'replace')
                 for x in replies if is_final(x)), '')
    print('%-15s %-5s %-4s %s' % (r['name'], out, 'FAIL' if why else 'ok',
                                 '; '.join(why) or line))
    failed += bool(why)
print('%d messages, %d failed (mode %s)' % (len(rows) if not a.only else 1,
                                            failed, a.mode))
sys.exit(1 if failed else 0)
