# Sourced by check-ports.sh (uses its result, traced and strace_proof): the mpd port over loopback.
# A music directory with two generated DSF songs (DSD, decoded by mpd's built-in decoder) and a cover image;
# mpd (under strace) with a null output; a client speaking the MPD protocol over TCP on 127.0.0.1:
#  - update: the database lists exactly the two songs;
#  - albumart: the cover fetched in chunks (offset by offset) hashes to the file's SHA-256;
#  - playback: play the first song to the null output until it ends (elapsed time seen advancing);
#  - kill: mpd shuts down cleanly (its event loop closes the ring);
# and strace shows a shim ring and no io_uring system call executed by Linux.
mpd_dir=$work/mpd
mkdir -p "$mpd_dir/music/album"
python3 - "$mpd_dir/music/album" <<'PY'
import os, random, struct, sys
d = sys.argv[1]
def dsf(path, seconds, rate=2822400, channels=2, block=4096):
    samples = int(rate * seconds)                      # 1-bit samples per channel
    blocks = ((samples + 7) // 8 + block - 1) // block  # per channel
    data = bytes([0x69]) * (block * blocks * channels)  # the DSD idle pattern: silence
    fmt = struct.pack("<4sQIIIIIIQII", b"fmt ", 52, 1, 0, 2, channels, rate, 1, samples, block, 0)
    head = struct.pack("<4sQ", b"data", 12 + len(data))
    total = 28 + len(fmt) + len(head) + len(data)
    with open(path, "wb") as f:
        f.write(struct.pack("<4sQQQ", b"DSD ", 28, total, 0) + fmt + head + data)
dsf(os.path.join(d, "01 first.dsf"), 1.5)
dsf(os.path.join(d, "02 second.dsf"), 1.0)
random.seed(7)
with open(os.path.join(d, "cover.png"), "wb") as f:  # content is opaque to mpd: any bytes will do
    f.write(b"\x89PNG\r\n\x1a\n" + bytes(random.getrandbits(8) for _ in range(150000)))
PY
mpd_port=$((20000 + RANDOM % 20000))
cat >"$mpd_dir/mpd.conf" <<CONF
music_directory "$mpd_dir/music"
db_file "$mpd_dir/db"
log_file "$mpd_dir/log"
bind_to_address "127.0.0.1"
port "$mpd_port"
audio_output {
  type "null"
  name "null"
}
CONF
mpd_log=$work/mpd_strace
strace -f -qq -o "$mpd_log" -e trace=io_uring_setup,io_uring_enter,io_uring_register,memfd_create \
  -e signal=SIGSYS "$bin/mpd" --no-daemon --stderr "$mpd_dir/mpd.conf" >"$mpd_log.out" 2>&1 &
mpd_pid=$!
python3 - "$mpd_port" "$mpd_dir" >"$mpd_dir/client.out" 2>&1 <<'PY'
import hashlib, os, socket, sys, time
port, d = int(sys.argv[1]), sys.argv[2]
deadline = time.time() + 20
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        break
    except OSError:
        if time.time() > deadline:
            print("RESULT connect FAIL mpd did not listen"); sys.exit(0)
        time.sleep(0.1)
f = s.makefile("rb")
assert f.readline().startswith(b"OK MPD")
def cmd(line):
    s.sendall(line.encode() + b"\n")
    out = {}
    items = []
    while True:
        l = f.readline()
        if not l:
            raise SystemExit("connection closed")
        if l == b"OK\n":
            return out, items
        if l.startswith(b"ACK"):
            raise RuntimeError(l.decode().strip())
        k, _, v = l.decode().rstrip("\n").partition(": ")
        if k == "binary":
            n = int(v)
            out["data"] = f.read(n)
            f.read(1)
            continue
        out[k] = v
        items.append((k, v))
def result(name, ok, detail=""):
    print("RESULT %s %s %s" % (name, "PASS" if ok else "FAIL", detail))
try:
    cmd("update")
    t = time.time()
    while "updating_db" in cmd("status")[0] and time.time() - t < 15:
        time.sleep(0.1)
    files = sorted(v for k, v in cmd("listall")[1] if k == "file")
    want = ["album/01 first.dsf", "album/02 second.dsf"]
    result("database", files == want, "listall: %s" % files)

    cover = open(os.path.join(d, "music/album/cover.png"), "rb").read()
    got, offset, chunks = b"", 0, 0
    while True:
        out, _ = cmd('albumart "album/01 first.dsf" %d' % offset)
        got += out["data"]; offset += len(out["data"]); chunks += 1
        if offset >= int(out["size"]) or not out["data"]:
            break
    ok = hashlib.sha256(got).hexdigest() == hashlib.sha256(cover).hexdigest()
    result("albumart", ok, "%d bytes in %d chunks, sha256 %s" % (len(got), chunks, "matches" if ok else "differs"))

    cmd('add "album/01 first.dsf"')
    cmd("play 0")
    seen, t, state = 0.0, time.time(), ""
    while time.time() - t < 20:
        st = cmd("status")[0]
        state = st.get("state")
        seen = max(seen, float(st.get("elapsed", 0)))
        if state == "stop" and seen > 0:
            break
        time.sleep(0.05)
    result("playback", state == "stop" and seen >= 1.0,
           "played to the end, elapsed reached %.2f s of 1.50 s" % seen if state == "stop" else "state %s" % state)
    s.sendall(b"kill\n")
except Exception as e:
    print("RESULT protocol FAIL %s" % e)
PY
for _ in $(seq 1 100); do kill -0 "$mpd_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$mpd_pid" 2>/dev/null; then
  kill "$mpd_pid" 2>/dev/null
  result "mpd: shutdown on kill" FAIL "mpd still running 10 s after the kill command"
else
  wait "$mpd_pid"
  st=$?
  [ "$st" -eq 0 ] && result "mpd: shutdown on kill" PASS || result "mpd: shutdown on kill" FAIL "exit status $st"
fi
while read -r _ name status detail; do
  if [ "$status" = PASS ]; then result "mpd: $name" PASS "$detail"; else result "mpd: $name" FAIL "$detail"; fi
done < <(grep '^RESULT ' "$mpd_dir/client.out")
grep -q '^RESULT ' "$mpd_dir/client.out" ||
  result "mpd: client" FAIL "$(tail -c 300 "$mpd_dir/client.out" | tr '\n' ' ') $(tail -c 300 "$mpd_log.out" | tr '\n' ' ')"
if why=$(strace_proof "$mpd_log" port); then
  result "mpd: io_uring input on the shim only" PASS
else
  result "mpd: io_uring input on the shim only" FAIL "$why"
fi
