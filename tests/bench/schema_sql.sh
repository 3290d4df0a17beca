# schema_sql TREE: the migrations, then the function files, of a farol
# tree, in db/meson.build's order: the order db/migrate.c applies them
# in. Sourced by tests/bench/ingest_cost and tests/bench/purge_cost.
schema_sql() {
  local t=$1 f
  for f in $(sed -n '/^db_schema_files/,/^)/p' "$t/db/meson.build" |
      grep -o "schema/[0-9]*_[a-z_]*\.sql"); do
    cat "$t/db/$f"; echo
  done
  for f in $(sed -n '/^db_function_files/,/^)/p' "$t/db/meson.build" |
      grep -o "functions/[a-z_]*\.sql"); do
    cat "$t/db/$f"; echo
  done
}
