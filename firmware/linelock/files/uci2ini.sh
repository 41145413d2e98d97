# linelock: UCI (/etc/config/linelock) to linelockd's INI file.
# Sourced by /etc/init.d/linelock; POSIX sh and busybox awk only.
#
#   uci -q show linelock | linelock_uci2ini >/var/etc/linelock.conf
#
# Each UCI section becomes the INI section named after its type
# (config sip 'sip' -> [sip]); its options become "key = value" and a
# list becomes one comma-separated value, the form linelockd's [sip]
# listen, core and trusted take. Sections of type "service" steer the
# init script only and are left out. Keys and values are not judged
# here: linelockd --check-config does that, naming the INI line.
#
# One exception: [partitions] takes a partition's name as its key, which
# UCI's option names cannot hold (siteA.east, lab-2). Each partition is
# a section of its own instead, anonymous or named:
#   config partition 'siteA'        (or: config partition
#           list domain 'sitea.example.com'   option name 'site-a')
#           list network '10.1.0.0/16'
# and they all become one [partitions] at the end, in their order:
#   siteA = sitea.example.com, 10.1.0.0/16
# Exit status 1, with a message on stderr, on input that is not
# `uci show` output or on a value an INI line cannot carry.

linelock_uci2ini() {
	awk '
	function fail(why) {
		printf "linelock: uci line %d: %s: %s\n", NR, why, $0 \
		    > "/dev/stderr"
		bad = 1
		exit 1
	}
	# `uci show` quotes every value POSIX-shell style: '\''a'\''\\'\'''\''b'\''
	# is a'\''b, and list items are quoted words separated by spaces.
	function unquote(s,    out, item, n, c, i) {
		out = ""; item = ""; n = 0
		i = 1
		while (i <= length(s)) {
			c = substr(s, i, 1)
			if (c == "'\''") {
				i++
				while (i <= length(s) && substr(s, i, 1) != "'\''") {
					item = item substr(s, i, 1)
					i++
				}
				if (i > length(s))
					fail("unterminated quote")
				i++
			} else if (c == "\\" && substr(s, i + 1, 1) == "'\''") {
				item = item "'\''"
				i += 2
			} else if (c == " ") {
				out = out (n++ ? ", " : "") item
				item = ""
				i++
			} else {
				fail("unquoted value")
			}
		}
		return out (n ? ", " : "") item
	}
	# A partition section: its name, domains and networks, kept
	# for [partitions] at the end.
	function partition_option(sec, opt, v) {
		if (v ~ /[ \t];/)
			fail("value not expressible in INI")
		if (opt == "name") {
			if (v !~ /^[0-9A-Za-z_.+-]+$/)
				fail("bad partition name")
			pname[sec] = v
		} else if (opt == "domain")
			pdom[sec] = v
		else if (opt == "network")
			pnet[sec] = v
		else
			fail("not a partition option (name, domain, network)")
	}
	{
		eq = index($0, "=")
		if (eq == 0)
			fail("not name=value")
		name = substr($0, 1, eq - 1)
		value = substr($0, eq + 1)
		ndots = gsub(/\./, ".", name)
		split(name, part, ".")
		if (ndots == 1) {
			if (value !~ /^[a-z][a-z0-9_]*$/)
				fail("bad section type")
			type[part[2]] = value
			if (value == "partition") {
				psec[++np] = part[2]
				# A named section names its partition.
				if (part[2] !~ /^@/)
					pname[part[2]] = part[2]
			} else if (value != "service")
				printf "%s[%s]\n", (nsec++ ? "\n" : ""), value
			next
		}
		if (ndots != 2 || part[3] !~ /^[a-z][a-z0-9_]*$/)
			fail("bad option name")
		if (!(part[2] in type))
			fail("option before its section")
		v = unquote(value)
		if (type[part[2]] == "service")
			next
		if (type[part[2]] == "partition") {
			partition_option(part[2], part[3], v)
			next
		}
		# inih would cut a value at " ;" (a comment) and a newline
		# ends the line: refuse rather than write something else.
		if (v ~ /[ \t];/)
			fail("value not expressible in INI")
		printf "%s = %s\n", part[3], v
	}
	END {
		if (bad)
			exit 1
		for (i = 1; i <= np; i++) {
			sec = psec[i]
			if (!(sec in pname))
				fail("partition " sec " has no name")
			if (i == 1)
				printf "%s[partitions]\n", (nsec ? "\n" : "")
			v = pdom[sec]
			if (pnet[sec] != "")
				v = v (v != "" ? ", " : "") pnet[sec]
			printf "%s = %s\n", pname[sec], v
		}
		exit bad
	}
	'
}
