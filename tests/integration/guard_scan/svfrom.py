# svfrom.py IP TOOL ARGS...: runs a sipvicious tool (svwar, svmap) with
# its socket bound to IP: svwar 0.3.3 ignores its own -b.
import importlib, socket, sys
ip = sys.argv[1]
orig = socket.socket.bind
def bind(s, addr):
    return orig(s, (ip, addr[1]) if s.family == socket.AF_INET else addr)
socket.socket.bind = bind
sys.path.insert(0, '/usr/share/sipvicious')
tool = sys.argv[2]
sys.argv = [tool] + sys.argv[3:]
sys.exit(importlib.import_module('sipvicious.' + tool).main())
