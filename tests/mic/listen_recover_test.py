#!/usr/bin/env python3
"""`sparselab-cli listen` with no audio device, a device that appears, vanishes and comes back
(label `mic`): a private PulseAudio daemon is started, killed and restarted under a running
listen; it must say what happened each time, keep running, capture again, and exit cleanly.

  listen_recover_test.py CLI
"""
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


def main():
    cli = sys.argv[1]
    folder = tempfile.mkdtemp(prefix="listen-recover-")
    env = dict(os.environ, XDG_RUNTIME_DIR=tempfile.mkdtemp(dir=folder), HOME=folder,
               PULSE_AUTOSPAWN="0")
    env.pop("PULSE_SERVER", None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    listen = None

    def pulse(*args):
        return subprocess.run(["pulseaudio", *args], env=env, capture_output=True, text=True)

    def start_daemon():
        r = pulse("--daemonize=yes", "-n", "--exit-idle-time=-1", "--disallow-exit",
                  "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=vsink")
        if r.returncode != 0:
            raise AssertionError("PulseAudio did not start: " + r.stderr)
        subprocess.run(["pactl", "set-default-source", "vsink.monitor"], env=env, check=True)

    try:
        model = os.path.join(folder, "m.onnx")
        subprocess.run([cli, "make-model", "--arch", "sparse", "-o", model], check=True,
                       capture_output=True)
        listen = subprocess.Popen([cli, "listen", "--json", "--model", model],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in listen.stderr],
                         daemon=True).start()

        def expect(text, seconds):
            deadline = time.time() + seconds
            while time.time() < deadline:
                try:
                    line = lines.get(timeout=0.5)
                except queue.Empty:
                    if listen.poll() is not None:
                        raise AssertionError(f"listen exited ({listen.returncode}) "
                                             f"while waiting for '{text}'")
                    continue
                sys.stderr.write(line)
                if text in line:
                    return
            raise AssertionError(f"listen never said '{text}'")

        expect("no audio input device found", 15)   # no daemon: no device at all
        start_daemon()
        expect("capturing", 20)                       # the device appeared
        pulse("--kill")
        expect("lost", 15)                            # ... vanished
        time.sleep(1.5)
        start_daemon()
        expect("capturing", 20)                       # ... and came back
        time.sleep(1.0)
        listen.send_signal(signal.SIGINT)
        out = listen.stdout.read()
        listen.wait(timeout=20)
        while not lines.empty():
            sys.stderr.write(lines.get())
        if listen.returncode != 0:
            raise AssertionError(f"listen exited with {listen.returncode}")
        summary = [json.loads(l)["summary"] for l in out.splitlines() if '"summary"' in l]
        print("summary:", summary)
        if not summary or summary[0]["device_reopens"] < 1 or summary[0]["windows"] < 1:
            raise AssertionError("summary does not show a reopened device that delivered audio")
    finally:
        if listen and listen.poll() is None:
            listen.kill()
            listen.wait()
        pulse("--kill")
        shutil.rmtree(folder, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
