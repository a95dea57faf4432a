"""The sandbox student code runs in when a class is graded: bubblewrap (`bwrap`), unprivileged.

`command(argv)` wraps a command so that it runs as `nobody` in its own user, mount, PID, IPC,
UTS, cgroup and network namespaces (no network at all), killed with its parent, in a new
session. It sees, read-only, only what Python needs: the system folders, the Python installation,
the course's venv and the `lrlab` package; not `instructor/`, the course folder (gradebook,
hand-ins), anyone's home. It can write only to its own small `/tmp` and `/dev/shm` (tmpfs, gone
when it ends). `limits()` caps its memory and CPU time. `available()` says whether bwrap works
here (Debian: `apt-get install bubblewrap`; `make sandbox-deps`), and why not.
"""

import functools
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import sysconfig

import lrlab

__all__ = ["available", "command", "limits", "MEMORY_BYTES", "CPU_SECONDS"]

MEMORY_BYTES = 4 * 1024**3  # address space: TensorFlow and a small Keras model fit in it
CPU_SECONDS = 300  # per sandboxed process
TMP_BYTES = 256 * 1024**2
# Environment inside: nothing inherited but this.
ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "MPLCONFIGDIR": "/tmp",
    "MPLBACKEND": "Agg",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "LANG": "C.UTF-8",
}


def _readable():
    """The folders the sandbox sees read-only (each at its own path)."""
    python = {sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"]}
    package = (
        pathlib.Path(lrlab.__file__).resolve().parent
    )  # an editable install: the source tree's
    system = [p for p in ("/usr", "/etc", "/opt") if os.path.isdir(p)]
    folders = sorted(
        {str(pathlib.Path(p).resolve()) for p in python} | {str(package)} | set(system)
    )
    # Drop a folder inside another one already bound.
    return [f for f in folders if not any(f != o and f.startswith(o + "/") for o in folders)]


def command(argv):
    """`argv` wrapped in the sandbox (see the module docstring)."""
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    args += ["--uid", "65534", "--gid", "65534", "--hostname", "sandbox"]
    # The private /tmp first: bwrap mounts in order, and a course cloned under /tmp (its venv and
    # lrlab) must be bound on top of it, not hidden by it.
    args += ["--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for top in ("/bin", "/lib", "/lib64", "/sbin"):  # merged /usr: these are symlinks into it
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for folder in _readable():
        args += ["--ro-bind", folder, folder]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(TMP_BYTES // 4), "--tmpfs", "/dev/shm"]
    for name, value in ENV.items():
        args += ["--setenv", name, value]
    args += ["--chdir", "/tmp", "--", *argv]
    return args


def limits():
    """A preexec_fn: memory and CPU-time limits the sandbox and everything in it inherit."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@functools.cache
def available():
    """(True, "") if the sandbox works here, else (False, why)."""
    if not shutil.which("bwrap"):
        return False, "bubblewrap (`bwrap`) is not installed (Debian: `apt-get install bubblewrap`)"
    probe = command([sys.executable, "-I", "-c", "import lrlab, os; print(os.getuid())"])
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        return False, f"bwrap could not start ({error})"
    if done.returncode != 0 or done.stdout.strip() != "65534":
        return False, f"bwrap could not start Python as nobody: {done.stderr.strip()[-300:]}"
    return True, ""
