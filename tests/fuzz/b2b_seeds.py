#!/usr/bin/env python3
"""Seeds for fuzz_b2b (tests/fuzz/corpus/b2b/) from the integration tests'
SIPp scenarios and the RFC 4475 torture messages.

    tests/fuzz/b2b_seeds.py [OUTDIR] [RFC4475DIR]

Each seed is one conversation in fuzz_b2b.c's format: messages separated
by "~~~", each led by a control byte (peer in bits 0-2, TCP bit 3, time
advance in bits 4-6, verbatim bit 7). A caller's scenario (the one that
sends first) and an answerer's scenario are played against each other the
way linelock relays them: a request one side sends satisfies the other's
<recv request=...>, a response its <recv response=...>; whatever nobody
sends (100 Trying, linelock's own 403) is skipped. SIPp keywords that only
the run can know ([last_Via:], [len], ...) are left to fuzz_b2b.c; the
static ones ([service], [call_id], [branch], ...) are filled in here.
"""
import glob
import hashlib
import os
import re
import sys
import xml.etree.ElementTree as ET

TOP = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
SEP = b'~~~'

# fuzz_b2b.c's fb_peers[]: index -> (address, port, extension or None).
PHONE, TRUSTED, CORE, LOCKED, STRANGER, CORE_ALT, UNREG, TRUSTED6 = range(8)
PEERS = {
    PHONE: ('127.0.0.10', 5062, '201'),
    TRUSTED: ('127.0.0.2', 5060, '300'),
    CORE: ('127.0.0.3', 5070, None),
    LOCKED: ('127.0.0.11', 5062, '202'),
    STRANGER: ('192.0.2.66', 5060, '999'),
    CORE_ALT: ('127.0.0.3', 5999, None),
    UNREG: ('127.0.0.12', 5062, '204'),
    TRUSTED6: ('::1', 5060, '301'),
}
# fuzz_b2b.c's fb_advance_ms[]: bits 4-6 of the control byte.
ADVANCE = [0, 100, 600, 2100, 4500, 33000, 200000, 4 * 3600 * 1000 + 1000]
OURS = '127.0.0.1'  # linelock, as the phones address it


def advance_code(ms):
    return max(i for i, v in enumerate(ADVANCE) if v <= ms)


class Scenario:
    """A SIPp scenario as a list of steps: ('send', text), ('recv', kind,
    value, optional, next_label), ('pause', ms), ('label', id)."""

    def __init__(self, path):
        self.name = os.path.relpath(path, os.path.join(TOP, 'tests'))
        self.steps = []
        for el in ET.parse(path).getroot():
            if el.tag == 'send':
                self.steps.append(('send', el.text or ''))
            elif el.tag == 'recv':
                kind = 'request' if 'request' in el.attrib else 'response'
                self.steps.append(('recv', kind, el.attrib.get(kind, ''),
                                   el.attrib.get('optional') == 'true',
                                   el.attrib.get('next')))
            elif el.tag == 'pause':
                self.steps.append(
                    ('pause', int(el.attrib.get('milliseconds', '0'))))
            elif el.tag == 'label':
                self.steps.append(('label', el.attrib.get('id')))

    def is_caller(self):
        firsts = [s for s in self.steps if s[0] in ('send', 'recv')]
        return bool(firsts) and firsts[0][0] == 'send'

    def label(self, name):
        for i, s in enumerate(self.steps):
            if s[0] == 'label' and s[1] == name:
                return i
        return len(self.steps)


def msg_kind(text):
    """('request', METHOD) or ('response', CODE) of a message text."""
    first = text.split('\r\n', 1)[0]
    if first.startswith('SIP/2.0 '):
        return ('response', first.split()[1] if len(first.split()) > 1
                else '')
    return ('request', first.split(' ', 1)[0])


class Player:
    """One side of a conversation: a scenario, its peer, its counters."""

    def __init__(self, scen, peer, service, tcp, tag):
        self.scen, self.peer, self.tcp = scen, peer, tcp
        self.service, self.tag = service, tag
        self.pc = 0
        self.inbox = []
        self.pause = 0

    def done(self):
        return self.pc >= len(self.scen.steps)

    def render(self, text):
        ip, port, ext = PEERS[self.peer]
        ipb = '[%s]' % ip if ':' in ip else ip
        ours = '[::1]' if ':' in ip else OURS
        static = {
            'service': self.service, 'ext': ext or '200',
            'remote_ip': ours, 'remote_port': '5060',
            'local_ip': ipb, 'local_port': str(port),
            'transport': 'TCP' if self.tcp else 'UDP',
            'call_id': '%s-1@%s' % (self.tag, ip), 'pid': '4242',
            'call_number': '1', 'local_ip_type': '6' if ':' in ip else '4',
            'media_ip_type': '6' if ':' in ip else '4', 'media_ip': ip,
            'media_port': '6000', 'cseq': '1', 'user_agent': 'fuzz',
        }

        def sub(m):
            kw = m.group(1)
            if kw in static:
                return static[kw]
            # SIPp: [branch] depends on the message's index in the
            # scenario, [branch-N] is that of the message N before (a
            # CANCEL or retransmission reuses the INVITE's).
            if kw == 'branch':
                return 'z9hG4bK-%s-%d' % (self.tag, self.pc)
            mb = re.fullmatch(r'branch-(\d+)', kw)
            if mb:
                return 'z9hG4bK-%s-%d' % (self.tag,
                                          self.pc - int(mb.group(1)))
            if kw == 'target':
                tok = {'201': 'fuzzdev0', '202': 'fuzzdev3'}.get(
                    self.service, self.service)
                return 'sip:%s@%s:5060' % (tok, OURS)
            if kw.startswith('$'):
                return kw[1:]
            if kw.startswith('authentication'):
                return ''
            return m.group(0)  # left to fuzz_b2b.c

        # A stored Contact the registrar echoes: linelock's own.
        text = re.sub(r'Contact: *\[\$contact\]', '[last_Contact:]', text)
        lines = [l.strip() for l in text.split('\n')]
        while lines and not lines[0]:
            lines.pop(0)
        out = []
        for l in lines:
            r = re.sub(r'\[([^\]\[]+)\]', sub, l)
            if l and not r:
                continue  # a keyword line that came out empty
            out.append(r)
        while out and not out[-1]:
            out.pop()
        if '' in out:
            i = out.index('')
            head, body = out[:i], out[i + 1:]
        else:
            head, body = out, []
        msg = '\r\n'.join(head) + '\r\n\r\n'
        if body:
            msg += '\r\n'.join(body) + '\r\n'
        return msg

    def control(self):
        c = self.peer | (8 if self.tcp else 0)
        c |= advance_code(self.pause) << 4
        self.pause = 0
        return c


def play(a, b):
    """Plays caller a against answerer b (or None); the segments."""
    segs = []
    sides = [p for p in (a, b) if p]
    for _ in range(400):
        moved = False
        for me in sides:
            other = [p for p in sides if p is not me]
            if me.done():
                continue
            st = me.scen.steps[me.pc]
            if st[0] == 'send':
                text = me.render(st[1])
                segs.append(bytes([me.control()]) + text.encode())
                if other:
                    other[0].inbox.append(msg_kind(text))
                me.pc += 1
                moved = True
            elif st[0] == 'pause':
                me.pause += st[1]
                me.pc += 1
                moved = True
            elif st[0] == 'label':
                me.pc += 1
                moved = True
            elif (st[1], st[2]) in me.inbox:
                me.inbox = me.inbox[me.inbox.index((st[1], st[2])) + 1:]
                me.pc = me.scen.label(st[4]) if st[4] else me.pc + 1
                moved = True
        if moved:
            continue
        # Nobody can go on: skip the first wait (optional ones first).
        waits = [p for p in sides if not p.done()]
        if not waits:
            break
        pick = next((p for p in waits if p.scen.steps[p.pc][3]), waits[0])
        pick.pc += 1
    return segs


def write_seed(outdir, name, segs):
    data = SEP.join(segs)
    path = os.path.join(outdir, name)
    with open(path, 'wb') as f:
        f.write(data)


def scenario_seeds(outdir):
    base = os.path.join(TOP, 'tests', 'integration')
    scen = {}
    for path in sorted(glob.glob(os.path.join(base, '*', '*.xml'))):
        try:
            scen[path] = Scenario(path)
        except ET.ParseError:
            continue
    n = 0
    by_dir = {}
    for path, s in scen.items():
        by_dir.setdefault(os.path.dirname(path), []).append(s)
    for d, lst in sorted(by_dir.items()):
        case = os.path.basename(d)
        callers = [s for s in lst if s.is_caller()]
        answerers = [s for s in lst if not s.is_caller()] or [None]
        for c in callers:
            core_side = re.match(r'(core|pbx)', os.path.basename(c.name))
            cpeer = CORE if core_side else PHONE
            service = '201' if core_side else '5551000'
            if 'register' in c.name:
                cpeer, service = UNREG, 'registrar'
            for ans in answerers[:3]:
                apeer = PHONE if cpeer == CORE else CORE
                a = Player(c, cpeer, service, False, case[:10])
                b = Player(ans, apeer, service, False, case[:10]) \
                    if ans else None
                nm = '%s-%s%s' % (case, os.path.basename(c.name)[:-4],
                                  '-' + os.path.basename(ans.name)[:-4]
                                  if ans else '')
                write_seed(outdir, nm, play(a, b))
                n += 1
    return scen, n


def variant_seeds(outdir, scen):
    """The basic call from every kind of caller and to every kind of
    number: feature codes, emergency, allowlist, locked lines."""
    base = os.path.join(TOP, 'tests', 'integration')
    uac = scen.get(os.path.join(base, 'b2b_basic', 'uac.xml'))
    uas = scen.get(os.path.join(base, 'b2b_basic', 'uas.xml'))
    inc_uac = scen.get(os.path.join(base, 'b2b_incoming', 'core_uac.xml'))
    inc_uas = scen.get(os.path.join(base, 'b2b_incoming', 'phone_uas.xml'))
    if not (uac and uas):
        return 0
    n = 0
    calls = [
        (PHONE, '*71'), (PHONE, '*721234'), (PHONE, '*729999'),
        (PHONE, '*731234*5678'), (PHONE, '*73*5678'), (PHONE, '*741234'),
        (PHONE, '*751234'), (PHONE, '112'), (PHONE, '5551234'),
        (PHONE, '6661234'), (LOCKED, '5551000'), (LOCKED, '911'),
        (LOCKED, '5551234'), (LOCKED, '*724321'), (LOCKED, '*721111'),
        (TRUSTED, '5551000'), (TRUSTED, '203'), (STRANGER, '5551000'),
        (UNREG, '5551000'), (TRUSTED6, '5551000'), (CORE_ALT, '201'),
        (TRUSTED, '*754242*203'), (TRUSTED, '*759999*203'),
        (TRUSTED, '5551999'), (PHONE, '0044123456'), (PHONE, '9001234'),
        (LOCKED, '*741234'), (PHONE, 'anonymous'),
    ]
    for peer, num in calls:
        for tcp in (False, True):
            a = Player(uac, peer, num, tcp, 'v%d' % n)
            b = Player(uas, CORE, num, False, 'v%d' % n)
            safe = re.sub(r'[^0-9a-z]', 'x', num)
            write_seed(outdir, 'variant-p%d%s-%s' % (
                peer, '-tcp' if tcp else '', safe), play(a, b))
            n += 1
    if inc_uac and inc_uas:
        for callee in ('201', '202', '203', '204', '5551000'):
            a = Player(inc_uac, CORE, callee, False, 'i%s' % callee)
            b = Player(inc_uas, PHONE, callee, False, 'i%s' % callee)
            write_seed(outdir, 'variant-incoming-%s' % callee, play(a, b))
            n += 1
    return n


def rfc4475_seeds(outdir, rfcdir):
    """Each torture message alone, verbatim, from a phone (UDP) and from
    the core (TCP): sip__recv() sees exactly its bytes."""
    n = 0
    for path in sorted(glob.glob(os.path.join(rfcdir, '*.dat'))):
        with open(path, 'rb') as f:
            data = f.read()
        name = os.path.basename(path)[:-4]
        write_seed(outdir, 'rfc4475-%s' % name, [bytes([0x80]) + data])
        write_seed(outdir, 'rfc4475-%s-core-tcp' % name,
                   [bytes([0x80 | 8 | CORE]) + data])
        n += 2
    return n


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        TOP, 'tests', 'fuzz', 'corpus', 'b2b')
    rfcdir = sys.argv[2] if len(sys.argv) > 2 else os.environ.get(
        'LL_TESTDATA', '/work/shared/testdata') + '/rfc4475'
    os.makedirs(outdir, exist_ok=True)
    scen, n = scenario_seeds(outdir)
    n += variant_seeds(outdir, scen)
    n += rfc4475_seeds(outdir, rfcdir)
    print('%d seeds in %s' % (n, outdir))


if __name__ == '__main__':
    main()
