# Shared by the scripts in scripts/grpcurl/: where the servers are, JSON
# helpers, and the grpcurl call. Source it; it is not a command.
#
# Addresses: the local stack of scripts/up unless set in the environment:
#   COORDINATOR_ADDRESS (127.0.0.1:50051), ORDER_SERVICE_ADDRESS
#   (127.0.0.1:50052), INVENTORY_SERVICE_ADDRESS (127.0.0.1:50053).
# GRPCURL names the grpcurl binary (default: grpcurl on the PATH). Every call
# uses server reflection, so no .proto files are needed.
#
# TLS: with ORDERSAGA_TLS_DIR set (a scripts/tls-certs folder), or unset
# after `scripts/up --tls`, calls verify the servers with its ca.pem and
# present its operator certificate; plaintext otherwise (and with
# ORDERSAGA_TLS_DIR set to "").
#
# Tokens: with ORDERSAGA_TOKEN set, every call sends "authorization: Bearer
# $ORDERSAGA_TOKEN" (`ordersaga mint-token --auth_token_key_file=KEY
# --subject=alice --role=customer` makes one).
set -euo pipefail

COORDINATOR_ADDRESS="${COORDINATOR_ADDRESS:-127.0.0.1:50051}"
ORDER_SERVICE_ADDRESS="${ORDER_SERVICE_ADDRESS:-127.0.0.1:50052}"
INVENTORY_SERVICE_ADDRESS="${INVENTORY_SERVICE_ADDRESS:-127.0.0.1:50053}"
GRPCURL="${GRPCURL:-grpcurl}"

die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# Prints the calling script's usage (its "# usage:" comment block) and exits
# 0 for -h/--help; with a message and exit 2 for a wrong argument count.
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); if ($0 !~ /^method:/) print; next } NR > 1 { exit }' "$0"
}
help_or_usage() {  # help_or_usage MIN MAX "$@"
  local min="$1" max="$2"
  shift 2
  if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then usage; exit 0; fi
  if [ $# -lt "$min" ] || [ $# -gt "$max" ]; then usage >&2; exit 2; fi
}

# A JSON string literal of $1.
json_string() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

# A JSON integer of $1, or exit 2 naming `what`.
json_integer() {  # json_integer VALUE WHAT
  [[ "$1" =~ ^-?[0-9]+$ ]] || die "$2 must be an integer, got '$1'"
  printf '%s' "$1"
}

# "4:2,5:1" -> [{"product_id":4,"quantity":2},{"product_id":5,"quantity":1}]
json_items() {
  local out="" item product quantity
  IFS=',' read -ra parts <<<"$1"
  for item in "${parts[@]}"; do
    [[ "$item" =~ ^([0-9]+):([0-9]+)$ ]] || die "items must look like PRODUCT:QTY[,PRODUCT:QTY...], got '$1'"
    product="${BASH_REMATCH[1]}"
    quantity="${BASH_REMATCH[2]}"
    out+="${out:+,}{\"product_id\":$product,\"quantity\":$quantity}"
  done
  printf '[%s]' "$out"
}

# call ADDRESS METHOD JSON: one unary call, the answer printed as JSON.
call() {
  command -v "$GRPCURL" >/dev/null 2>&1 ||
    die "grpcurl not found (Debian 12 does not package it; install it from https://github.com/fullstorydev/grpcurl/releases, or set GRPCURL)"
  local auth=()
  [ -n "${ORDERSAGA_TOKEN:-}" ] && auth=(-H "authorization: Bearer $ORDERSAGA_TOKEN")
  local tls_dir="${ORDERSAGA_TLS_DIR:-}"
  local run_tls
  run_tls="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.run/tls"
  # Unset: follow scripts/up; set but empty: plaintext.
  if [ -z "${ORDERSAGA_TLS_DIR+set}" ] && [ -f "$run_tls/enabled" ]; then tls_dir="$run_tls"; fi
  if [ -n "$tls_dir" ]; then
    exec "$GRPCURL" -cacert "$tls_dir/ca.pem" -cert "$tls_dir/operator.pem" \
      -key "$tls_dir/operator.key" ${auth[@]+"${auth[@]}"} -d "$3" "$1" "$2"
  fi
  exec "$GRPCURL" -plaintext ${auth[@]+"${auth[@]}"} -d "$3" "$1" "$2"
}
