set -e
export TZ=UTC BORG_PASSPHRASE=samplepass BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
OUT=/work/wt/h13/tests/data/real/borg-json
mkdir -p $OUT data
NOW=$(date -u +%s)
ts() { date -u -d "@$((NOW - $1))" "+%Y-%m-%dT%H:%M:%S"; }
V=$(borg --version | awk '{print $2}')
# repokey-blake2, dailies for 40 days
rm -rf rk; borg init -e repokey-blake2 rk
for d in $(seq 40 -1 1); do echo "$d $RANDOM" >> data/f; borg create --timestamp "$(ts $((d*86400 + 1800)))" "rk::office-{now:%Y-%m-%d}-$d" data; done
borg list --json rk > $OUT/borg-$V-list-repokey-blake2.json
borg info --json rk > $OUT/borg-$V-info-repokey-blake2.json
# unencrypted, with a future-dated archive
rm -rf none; borg init -e none none
for d in 20 10 2; do borg create --timestamp "$(ts $((d*86400)))" "none::pc-$d" data; done
borg create --timestamp "2099-06-01T02:00:00" "none::pc-clock-wrong" data
borg list --json none > $OUT/borg-$V-list-none-future-dated.json
borg info --json none > $OUT/borg-$V-info-none.json
# authenticated (signed, not encrypted) and keyfile
rm -rf auth; borg init -e authenticated auth; borg create "auth::now-1" data
borg info --json auth > $OUT/borg-$V-info-authenticated.json
rm -rf kf; BORG_KEYS_DIR=$PWD/keys borg init -e keyfile kf; BORG_KEYS_DIR=$PWD/keys borg create "kf::a" data
BORG_KEYS_DIR=$PWD/keys borg info --json kf > $OUT/borg-$V-info-keyfile.json
BORG_KEYS_DIR=$PWD/keys borg list --json kf > $OUT/borg-$V-list-keyfile.json
echo NOW=$NOW
