"""Test rigs for the audio engine: file-backed ALSA PCMs and a private PipeWire session.

Both are real: libasound through pyalsaaudio on `type file` PCMs (byte-exact, no pacing), and
PipeWire's ALSA plugin on null nodes (real-time pacing). The benchmark reuses them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

SYSTEM_ALSA_CONF = "/usr/share/alsa/alsa.conf"

SINK_NODE = "voiced-test-sink"
SOURCE_NODE = "voiced-test-source"

FILE_PCMS = """
# File-backed PCMs: capture reads IN byte-exactly, playback writes OUT byte-exactly.
pcm.vmic {
    @args [ IN RATE CHANNELS ]
    @args.IN { type string default "/dev/zero" }
    @args.RATE { type integer default 24000 }
    @args.CHANNELS { type integer default 1 }
    type file
    slave.pcm { type null }
    infile $IN
    file "/dev/null"
    format "raw"
    hint { show on description "voiced test: file-backed mic" }
}
pcm.vspk {
    @args [ OUT ]
    @args.OUT { type string default "/dev/null" }
    type file
    slave.pcm { type null }
    file $OUT
    format "raw"
    hint { show on description "voiced test: file-backed speaker" }
}
# A plug (ALSA's own linear rate conversion) over a file speaker at a fixed rate: the
# benchmark's peer for soxr.
pcm.vplugspk {
    @args [ OUT RATE ]
    @args.OUT { type string default "/dev/null" }
    @args.RATE { type integer default 48000 }
    type plug
    slave { pcm { type file slave.pcm { type null } file $OUT format "raw" } rate $RATE }
}
"""

PIPEWIRE_PCMS = f"""
# PipeWire null nodes, named explicitly (the machine's default device is never used).
# The source is fed by the sink's monitor (a loopback link made by the session).
pcm.pwspk {{ type pipewire playback_node "{SINK_NODE}" capture_node "{SINK_NODE}"
            hint {{ show on description "voiced test: PipeWire null sink" }} }}
pcm.pwmic {{ type pipewire capture_node "{SOURCE_NODE}" playback_node "{SINK_NODE}" }}
ctl.pwctl {{ type pipewire }}
"""

PIPEWIRE_NULL_NODES = f"""
context.properties = {{
    default.clock.rate = 48000
    default.clock.quantum = 1024
    default.clock.min-quantum = 1024
    default.clock.max-quantum = 1024
}}
context.objects = [
    {{ factory = adapter
      args = {{ factory.name = support.null-audio-sink node.name = "{SINK_NODE}"
               node.description = "voiced test sink" media.class = "Audio/Sink"
               audio.position = "MONO" monitor.channel-volumes = true }} }}
    {{ factory = adapter
      args = {{ factory.name = support.null-audio-sink node.name = "{SOURCE_NODE}"
               node.description = "voiced test source" media.class = "Audio/Source/Virtual"
               audio.position = "MONO" }} }}
]
"""


# WirePlumber: no bluez monitor and no logind module (a container has neither bluetoothd nor
# logind, and the monitors then fail the session). 0.4 (Debian 12) reads Lua, 0.5 SPA-JSON.
WIREPLUMBER_04_LUA = """bluez_monitor.enabled = false
bluez_monitor.properties = bluez_monitor.properties or {}
bluez_monitor.properties["with-logind"] = false
"""
WIREPLUMBER_05_CONF = """wireplumber.profiles = {
  main = {
    monitor.bluez = disabled
    monitor.bluez-midi = disabled
    monitor.bluez.seat-monitoring = disabled
    monitor.libcamera = disabled
    monitor.v4l2 = disabled
  }
}
"""


def write_wireplumber_config(directory: Path) -> None:
    """The drop-ins for both WirePlumber generations under `directory` (XDG_CONFIG_HOME/…)."""
    lua_d = directory / "bluetooth.lua.d"
    lua_d.mkdir(parents=True, exist_ok=True)
    (lua_d / "51-voiced-test.lua").write_text(WIREPLUMBER_04_LUA)
    conf_d = directory / "wireplumber.conf.d"
    conf_d.mkdir(parents=True, exist_ok=True)
    (conf_d / "90-voiced-test.conf").write_text(WIREPLUMBER_05_CONF)


def write_alsa_config(directory: Path, *, pipewire: bool = False) -> Path:
    """Write the test PCM definitions to `directory` and return the file (load it after the
    system's alsa.conf with `alsa_config_path()`)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "voiced-test-asound.conf"
    path.write_text(FILE_PCMS + (PIPEWIRE_PCMS if pipewire else ""))
    return path


def alsa_config_path(conf: Path) -> str:
    """The value for ALSA_CONFIG_PATH that loads the system config and then `conf`."""
    return f"{SYSTEM_ALSA_CONF}:{conf}"


@contextlib.contextmanager
def alsa_test_pcms(directory: Path, *, pipewire: bool = False) -> Iterator[Path]:
    """ALSA_CONFIG_PATH = the system config + our test PCMs while inside; restored after."""
    conf = write_alsa_config(directory, pipewire=pipewire)
    saved = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = alsa_config_path(conf)
    try:
        yield conf
    finally:
        if saved is None:
            os.environ.pop("ALSA_CONFIG_PATH", None)
        else:
            os.environ["ALSA_CONFIG_PATH"] = saved


class PipeWireSession:
    """A private dbus + pipewire + wireplumber with null nodes, in its own runtime dir."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runtime_dir = root / "run"
        self.home = root / "home"
        self.env: dict[str, str] = {}
        self._dbus: subprocess.Popen[bytes] | None = None
        self._pipewire: subprocess.Popen[bytes] | None = None
        self._wireplumber: subprocess.Popen[bytes] | None = None
        self._logs: list[Path] = []

    def start(self, timeout_s: float = 15.0) -> None:
        for tool in ("pipewire", "wireplumber", "dbus-daemon", "pw-cli"):
            if shutil.which(tool) is None:
                raise RuntimeError(
                    f"{tool} is not installed: apt-get install pipewire "
                    "pipewire-bin pipewire-alsa wireplumber dbus"
                )
        self.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        conf_d = self.home / ".config" / "pipewire" / "pipewire.conf.d"
        conf_d.mkdir(parents=True, exist_ok=True)
        (conf_d / "voiced-test-null.conf").write_text(PIPEWIRE_NULL_NODES)
        write_wireplumber_config(self.home / ".config" / "wireplumber")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIPEWIRE_", "DBUS_", "XDG_", "PULSE_"))
        }
        env.update(
            XDG_RUNTIME_DIR=str(self.runtime_dir),
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            DISABLE_RTKIT="1",
            PIPEWIRE_RUNTIME_DIR=str(self.runtime_dir),
        )
        bus = self.runtime_dir / "bus"
        self._dbus = self._spawn(
            "dbus",
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", f"--address=unix:path={bus}"],
            env,
        )
        self._wait(lambda: bus.exists(), timeout_s, "dbus session bus")
        env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={bus}"
        self.env = env
        self.start_server(timeout_s)

    def start_server(self, timeout_s: float = 15.0) -> None:
        """(Re)start pipewire and wireplumber and wait for both null nodes."""
        self._pipewire = self._spawn("pipewire", ["pipewire"], self.env)
        self._wait(lambda: (self.runtime_dir / "pipewire-0").exists(), timeout_s, "pipewire")
        self._wireplumber = self._spawn("wireplumber", ["wireplumber"], self.env)
        self._wait(self._nodes_ready, timeout_s, "the null nodes")
        self._wait(self._loopback, timeout_s, "the sink monitor → source link")

    def _loopback(self) -> bool:
        """Link the sink's monitor into the source: the mic hears what the speaker plays."""
        try:
            self.run("pw-link", f"{SINK_NODE}:monitor_MONO", f"{SOURCE_NODE}:input_MONO")
        except subprocess.CalledProcessError as exc:
            return b"exists" in exc.stderr
        except (subprocess.SubprocessError, OSError):
            return False
        return True

    def stop_server(self) -> None:
        """Stop pipewire and wireplumber (the sound server vanishes; clients lose it)."""
        for proc in (self._wireplumber, self._pipewire):
            _terminate(proc)
        self._wireplumber = self._pipewire = None
        sock = self.runtime_dir / "pipewire-0"
        sock.unlink(missing_ok=True)
        (self.runtime_dir / "pipewire-0.lock").unlink(missing_ok=True)

    def stop(self) -> None:
        self.stop_server()
        _terminate(self._dbus)
        self._dbus = None

    def run(self, *argv: str, timeout_s: float = 10.0) -> str:
        done = subprocess.run(
            argv, env=self.env, capture_output=True, timeout=timeout_s, check=True
        )
        return done.stdout.decode()

    def _nodes_ready(self) -> bool:
        try:
            out = self.run("pw-cli", "ls", "Node", timeout_s=5.0)
        except (subprocess.SubprocessError, OSError):
            return False
        return SINK_NODE in out and SOURCE_NODE in out

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = self.root / f"{name}.log"
        self._logs.append(log)
        with log.open("ab") as fh:
            return subprocess.Popen(
                argv, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
            )

    def _wait(self, ready: object, timeout_s: float, what: str) -> None:
        assert callable(ready)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.05)
        logs = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in self._logs if p.exists())
        raise RuntimeError(f"PipeWire test session: {what} not ready in {timeout_s} s\n{logs}")


@contextlib.contextmanager
def pipewire_devices(directory: Path) -> Iterator[PipeWireSession]:
    """For a whole process (the benchmarks): the test PCMs, pwmic and pwspk among them, on a
    private PipeWire session that this process's ALSA clients reach; stopped after."""
    os.environ["ALSA_CONFIG_PATH"] = alsa_config_path(
        write_alsa_config(directory / "alsa", pipewire=True)
    )
    session = PipeWireSession(directory / "pipewire")
    try:
        session.start()
        for key in ("XDG_RUNTIME_DIR", "PIPEWIRE_RUNTIME_DIR"):
            os.environ[key] = session.env[key]
        yield session
    finally:
        session.stop()


def _terminate(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def sine(
    freq_hz: float, rate_hz: int, seconds: float, amplitude: float = 0.5
) -> npt.NDArray[np.int16]:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    return np.round(np.sin(2 * np.pi * freq_hz * t) * amplitude * 32767).astype(np.int16)


def tone_analysis(samples: npt.NDArray[np.int16], rate_hz: int) -> tuple[float, float]:
    """(dominant frequency in Hz, SNR in dB: the tone against everything else)."""
    x = samples.astype(np.float64) / 32768.0
    n = np.arange(len(x))
    phase = 2 * np.pi * n / (len(x) - 1)
    window = (
        0.35875
        - 0.48829 * np.cos(phase)
        + 0.14128 * np.cos(2 * phase)
        - 0.01168 * np.cos(3 * phase)
    )  # Blackman-Harris: sidelobes below -92 dB
    spectrum = np.abs(np.fft.rfft(x * window)) ** 2
    peak = int(np.argmax(spectrum))
    freqs = np.fft.rfftfreq(len(x), 1 / rate_hz)
    band = slice(max(0, peak - 6), peak + 7)  # the window's main lobe
    signal = spectrum[band].sum()
    noise = spectrum.sum() - signal
    return float(freqs[peak]), float(10 * np.log10(signal / max(noise, 1e-30)))


class MonitorRecorder:
    """Records an ALSA capture device (e.g. a sink's monitor) on a thread until stopped."""

    def __init__(self, device: str, rate_hz: int = 48000, period_frames: int = 480) -> None:
        import threading

        import alsaaudio

        self.rate_hz = rate_hz
        self._pcm = alsaaudio.PCM(
            type=alsaaudio.PCM_CAPTURE,
            device=device,
            rate=rate_hz,
            channels=1,
            format=alsaaudio.PCM_FORMAT_S16_LE,
            periodsize=period_frames,
            periods=4,
        )
        self._chunks: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            n, data = self._pcm.read()
            if n > 0:
                self._chunks.append(data)

    def stop(self) -> npt.NDArray[np.int16]:
        self._stop.set()
        self._thread.join(5)
        self._pcm.close()
        return np.frombuffer(b"".join(self._chunks), dtype="<i2")


def audible_ms(samples: npt.NDArray[np.int16], rate_hz: int, threshold: int = 200) -> float:
    """Span from the first to the last sample above `threshold`, in ms (0 if none)."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    return 0.0 if loud.size == 0 else (loud[-1] - loud[0] + 1) * 1000.0 / rate_hz


@dataclass(frozen=True)
class ThreadActivity:
    """One thread's wake-ups (voluntary context switches) and CPU seconds so far."""

    name: str
    switches: int
    cpu_s: float


def thread_activity() -> dict[int, ThreadActivity]:
    """Every thread of this process, by id, named as Python named it (else its comm), from
    /proc/self/task/*/status (voluntary switches) and schedstat."""
    import threading

    names = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[int, ThreadActivity] = {}
    for tid_text in os.listdir("/proc/self/task"):
        tid = int(tid_text)
        try:
            base = f"/proc/self/task/{tid}"
            comm = Path(f"{base}/comm").read_text().strip()
            fields = dict(
                line.split(":", 1) for line in Path(f"{base}/status").read_text().splitlines()
            )
            # A wake-up is a voluntary switch (the thread slept and was woken); involuntary
            # ones are preemptions, which count the machine's load rather than ours.
            switches = int(fields["voluntary_ctxt_switches"])
            cpu_s = int(Path(f"{base}/schedstat").read_text().split()[0]) / 1e9
        except (OSError, KeyError, ValueError):
            continue  # the thread ended
        out[tid] = ThreadActivity(names.get(tid, comm), switches, cpu_s)
    return out


def activity_between(
    before: dict[int, ThreadActivity], after: dict[int, ThreadActivity], wall_s: float
) -> dict[str, tuple[float, float]]:
    """Per thread name: (wake-ups per second, CPU % of one core) between two snapshots."""
    out: dict[str, tuple[float, float]] = {}
    for tid, now in after.items():
        then = before.get(tid, ThreadActivity(now.name, 0, 0.0))
        rate, cpu = out.get(now.name, (0.0, 0.0))
        out[now.name] = (
            rate + (now.switches - then.switches) / wall_s,
            cpu + 100 * (now.cpu_s - then.cpu_s) / wall_s,
        )
    return out
