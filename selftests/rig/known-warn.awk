# SPDX-License-Identifier: GPL-2.0
# Print a kernel log without the reports of known-harmless WARNs: from the
# "[ cut here ]" line before a WARNING line listed, exactly, in the file
# given as -v known=FILE, to its "---[ end trace" line. Any other WARN is
# left in place for the log checks to find. Runs under busybox awk too.

function bare(l) {
	sub(/\r$/, "", l)
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", l)
	return l
}

BEGIN {
	while ((getline l < known) > 0)
		if (l != "")
			k[l] = 1
}

skip {
	if (bare($0) ~ /^---\[ end trace/)
		skip = 0
	next
}

held != "" {
	if (bare($0) in k) {
		held = ""
		skip = 1
		next
	}
	print held
	held = ""
}

bare($0) ~ /^-+\[ cut here \]-+$/ {
	held = $0
	next
}

{ print }

END {
	if (held != "")
		print held
}
