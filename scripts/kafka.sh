#!/usr/bin/env bash
# A single-node Kafka broker (KRaft) on 127.0.0.1 for tests and benchmarks.
#   scripts/kafka.sh start   fetch the jars (cached), format a fresh storage, start, wait until it answers
#   scripts/kafka.sh stop    stop the broker started by this script (by its pid), keeping its data
#   scripts/kafka.sh resume  start the stopped broker again on its data (outage tests)
#   scripts/kafka.sh status  say whether it runs
# Ports: KAFKA_PORT (default 19092) for clients, KAFKA_PORT+1 for the controller.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache/kafka"
port=${KAFKA_PORT:-19092}
run="$cache/run-$port"
pidfile="$run/broker.pid"

fetch() {
  local stamp="$cache/libs/.pom-sha"
  local want
  want=$(sha256sum "$root/scripts/kafka/pom.xml" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  echo "kafka: fetching the broker's jars from Maven Central" >&2
  rm -rf "$cache/libs"
  mkdir -p "$cache/libs"
  mvn -q -B -Dstyle.color=never -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$cache/libs" -DincludeScope=runtime
  echo "$want" > "$stamp"
}

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start() {
  if running; then echo "kafka: already running on 127.0.0.1:$port (pid $(cat "$pidfile"))" >&2; return; fi
  command -v java >/dev/null || { echo "kafka: java is needed (Java 17)" >&2; exit 1; }
  fetch
  rm -rf "$run"
  mkdir -p "$run/data"
  configure_and_format
  launch
}

resume() {
  if running; then return; fi
  [ -f "$run/server.properties" ] || { echo "kafka: nothing to resume on port $port, use start" >&2; exit 1; }
  launch
}

configure_and_format() {
  cat > "$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$((port + 1))
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$run/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=1
auto.create.topics.enable=false
PROPS
  local cp="$cache/libs/*"
  local id
  id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  java -Dlog4j2.configurationFile="$root/scripts/kafka/log4j2.yaml" -cp "$cp" \
    kafka.tools.StorageTool format --standalone -t "$id" -c "$run/server.properties" > "$run/format.log" 2>&1
}

launch() {
  local cp="$cache/libs/*"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "kafka: port $port is already in use (another broker? stop it, or set KAFKA_PORT)" >&2
    exit 1
  fi
  nohup java -Xms256m -Xmx768m -Dlog4j2.configurationFile="$root/scripts/kafka/log4j2.yaml" -cp "$cp" \
    kafka.Kafka "$run/server.properties" >> "$run/broker.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "kafka: broker ready on 127.0.0.1:$port (pid $(cat "$pidfile"))" >&2
      return
    fi
    if ! running; then echo "kafka: broker died, see $run/broker.log:" >&2; tail -n 20 "$run/broker.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "kafka: broker not answering after 60 s, see $run/broker.log" >&2
  exit 1
}

stop() {
  if ! running; then return; fi
  local pid
  pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  resume) resume ;;
  status) if running; then echo "running on 127.0.0.1:$port"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|resume|status" >&2; exit 64 ;;
esac
