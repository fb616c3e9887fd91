# One row of the table from a workload's rounds (one awk instead of a pipeline per cell:
# process start is slow on these VMs).
# usage: awk -v name=NAME -f row.awk POSTA_FILE PEER_FILE
# Each file holds one line per round: "VALUE UNIT PEAK_KB", "failed", or "skipped REASON".
# Cells: "median (min-max)", "N failed" appended when some rounds failed, "failed" when none
# produced a figure, REASON when every round was skipped; the ratio posta/peer over the
# rounds where both sides have a figure ("-" when a side was skipped); peak memory the
# highest of the rounds, "?" when none.

# sortnum(a, n): sorts a[1..n] numerically, in place (a few rounds: insertion sort)
function sortnum(a, n,   i, j, v) {
  for (i = 2; i <= n; i++) {
    v = a[i]
    for (j = i - 1; j >= 1 && a[j] + 0 > v + 0; j--) a[j + 1] = a[j]
    a[j + 1] = v
  }
}
# stats(a, n): "median (min-max)" of a[1..n] (n > 0)
function stats(a, n,   m) {
  sortnum(a, n)
  m = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  return m " (" a[1] "-" a[n] ")"
}
function cell(side,   a, i, n, bad) {
  n = 0; bad = 0
  for (i = 1; i <= rounds[side]; i++) {
    if (val[side, i] == "failed") bad++
    else if (val[side, i] != "skipped") a[++n] = val[side, i]
  }
  if (n == 0) return bad == 0 && (side in why) ? why[side] : "failed"
  return stats(a, n) (bad > 0 ? " " bad " failed" : "")
}
function peak(side,   i, m) {
  m = "?"
  for (i = 1; i <= rounds[side]; i++)
    if (figure(val[side, i]) && (m == "?" || kb[side, i] + 0 > m + 0)) m = kb[side, i]
  return m
}
function figure(v) { return v != "failed" && v != "skipped" }
{
  side = (FILENAME == ARGV[1]) ? "posta" : "peer"
  i = ++rounds[side]
  val[side, i] = $1; kb[side, i] = $3
  if ($1 == "skipped") why[side] = substr($0, 9)
  if (figure($1) && unit == "") unit = $2
}
END {
  n = 0
  for (i = 1; i <= rounds["posta"] && i <= rounds["peer"]; i++)
    if (figure(val["posta", i]) && figure(val["peer", i]) && val["peer", i] + 0 > 0)
      r[++n] = sprintf("%.3f", val["posta", i] / val["peer", i])
  printf "%-18s %-16s %-26s %-26s %-22s %s\n", name, (unit == "" ? "?" : unit), cell("posta"),
    cell("peer"), (n > 0 ? stats(r, n) : ("posta" in why) || ("peer" in why) ? "-" : "failed"), peak("posta") "/" peak("peer")
}
