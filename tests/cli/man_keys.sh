#!/bin/sh
# man_keys.sh: every setting the config schema knows (config/config.c's
# key tables) is described in config/farol.conf.5, as `.It Va NAME' or
# `.Va NAME', a group as `.Ss NAME'. Usage: man_keys.sh SOURCE_ROOT
root=${1:?usage: man_keys.sh SOURCE_ROOT}
keys=$(grep -oE '(KEY\(|^	\{ )"[a-z_0-9]+"' "$root/config/config.c" |
  grep -oE '"[a-z_0-9]+"' | tr -d '"' | sort -u)
[ -n "$keys" ] || { echo "no keys found in config/config.c"; exit 1; }
missing=0
for k in $keys; do
  if ! grep -qE "(^\.It|^\.Va|Va) .*\b$k\b|^\.(It )?Va $k\b|^\.Ss $k\b" \
      "$root/config/farol.conf.5"; then
    echo "farol.conf.5 does not describe '$k'"
    missing=$((missing + 1))
  fi
done
echo "$(echo "$keys" | wc -l) keys, $missing missing"
[ "$missing" -eq 0 ]
