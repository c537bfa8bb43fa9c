set -e
export TZ=UTC RESTIC_PASSWORD=samplepass
OUT=/work/wt/h13/tests/data/real/restic-json
mkdir -p $OUT data
echo "hello $RANDOM" > data/file.txt
mk() { rm -rf "$1"; restic init -r "$1" -q; }
bk() { # repo host time
  echo "$2 $3 $RANDOM" >> data/file.txt
  restic backup -q -r "$1" --host "$2" --time "$3" data >/dev/null; }
NOW=$(date -u +%s)
ts() { date -u -d "@$((NOW - $1))" "+%Y-%m-%d %H:%M:%S"; }
# 1. two hosts: a file server with two months of dailies, a laptop added 36 minutes ago
mk multi
for d in $(seq 62 -1 1); do bk multi fileserver "$(ts $((d*86400 + 3600)))"; done
bk multi laptop "$(ts 7200)"; bk multi laptop "$(ts 2160)"
restic -r multi snapshots --json > $OUT/restic-0.14-two-hosts.json
restic -r multi snapshots --json --group-by host > $OUT/restic-0.14-two-hosts-group-by-host.json
# 2. a 14-day gap inside the last 30 days
mk gap14
for d in $(seq 45 -1 1); do if [ $d -gt 20 ] || [ $d -le 6 ]; then bk gap14 nas "$(ts $((d*86400)))"; fi; done
restic -r gap14 snapshots --json > $OUT/restic-0.14-14-day-gap.json
# 3. a 28-day gap
mk gap28
for d in 40 38 36 34 32 30 2 1; do bk gap28 office-pc "$(ts $((d*86400)))"; done
restic -r gap28 snapshots --json > $OUT/restic-0.14-28-day-gap.json
# 4. dated in the future (a client whose clock is years ahead)
mk future
for d in 40 20 1; do bk future till "$(ts $((d*86400)))"; done
bk future till "2099-01-01 03:00:00"
restic -r future snapshots --json > $OUT/restic-0.14-future-dated.json
restic -r future snapshots --json --host till --latest 1 > $OUT/restic-0.14-latest-only.json
