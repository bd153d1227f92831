#!/usr/bin/env bash
# `lode storage`: random-uuid, format (every log dir and the metadata dir,
# refusing already formatted ones), info, and bad input.
set -u
bin=${LODE_BIN:-build/asan/bin/lode}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # name, condition-command...
    local name=$1; shift
    if "$@"; then echo "PASS storage_tool:$name"; else echo "FAIL storage_tool:$name"; fail=1; fi
}
id=$("$bin" storage random-uuid)
check random_uuid_is_22_chars test "${#id}" -eq 22
id2=$("$bin" storage random-uuid)
check random_uuid_differs test "$id" != "$id2"
cat > "$tmp/server.properties" <<PROPS
process.roles=broker,controller
node.id=3
log.dirs=$tmp/d1,$tmp/d2
metadata.log.dir=$tmp/meta
PROPS
out=$("$bin" storage format -t "$id" -c "$tmp/server.properties" 2>&1)
check format_succeeds test $? -eq 0
check format_writes_every_dir bash -c "grep -q 'cluster.id=$id' '$tmp/d1/meta.properties' && grep -q 'node.id=3' '$tmp/d2/meta.properties' && grep -q 'version=1' '$tmp/meta/meta.properties'"
check bootstrap_in_metadata_dir test -s "$tmp/meta/bootstrap.checkpoint"
check directory_ids_differ bash -c "[ \"\$(grep directory.id '$tmp/d1/meta.properties')\" != \"\$(grep directory.id '$tmp/d2/meta.properties')\" ]"
out=$("$bin" storage format -t "$id" -c "$tmp/server.properties" 2>&1); rc=$?
check reformat_refused bash -c "[ $rc -eq 1 ] && grep -q 'already formatted' <<<\"\$0\"" "$out"
rm -rf "$tmp/d2"
out=$("$bin" storage format -t "$id" -c "$tmp/server.properties" --ignore-formatted 2>&1)
check ignore_formatted_formats_the_rest bash -c "[ $? -eq 0 ] && test -s '$tmp/d2/meta.properties'"
out=$("$bin" storage format -t not-a-uuid -c "$tmp/server.properties" 2>&1); rc=$?
check bad_cluster_id bash -c "[ $rc -eq 1 ] && grep -q 'does not appear to be a valid UUID' <<<\"\$0\"" "$out"
out=$("$bin" storage info -c "$tmp/server.properties" 2>&1)
check info_lists_dirs bash -c "grep -q 'node.id=3' <<<\"\$0\" && grep -q '(metadata)' <<<\"\$0\"" "$out"
"$bin" storage format -c "$tmp/server.properties" >/dev/null 2>&1; rc=$?
check missing_flag_is_usage_error test $rc -eq 1
printf 'node.id=1\nlog.dirs=%s/x\n' "$tmp" > "$tmp/bad.properties"
printf '\\u12' >> "$tmp/bad.properties"
"$bin" storage format -t "$id" -c "$tmp/bad.properties" >/dev/null 2>&1; rc=$?
check unreadable_config_is_error test $rc -eq 1
exit $fail
